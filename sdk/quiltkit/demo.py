"""The quiltkit bounty story, end to end on a local chain (``quiltkit demo`` / ``make demo``).

A maintainer opens a 3-milestone ERC-20 bounty; two funders fund it; a contributor is assigned;
two of three verifiers sign a payout intent for milestone 1 (evidence: a merged pull request)
that a relayer submits; milestone 2 is disputed and split by the arbiter; the deadline passes and
milestone 3 is refunded pro rata. Every step goes through the typed SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from quiltkit import intents
from quiltkit.devchain import advance_time, dev_accounts, fund_dev_accounts
from quiltkit.escrow import Escrow, EscrowTerms
from quiltkit.tokens import Token

__all__ = ["BOUNTY_SPEC", "Cast", "DemoResult", "MERGED_PR", "balance_table", "run_story"]

UNIT = 10**18
DAY = 86_400

BOUNTY_SPEC = {"repo": "quiltkit/quiltkit", "issue": 42, "title": "Soroban escrow harness"}
"""What the bounty pays for; its hash is the escrow's metadata hash."""

MERGED_PR = {
    "repo": "quiltkit/quiltkit",
    "pr": 108,
    "merge_commit": "9f2c1e4b7a0d5c3e8f6a1b2c3d4e5f60718293a4",
    "author": "contributor",
    "merged_at": "2026-11-20T10:15:00Z",
}
"""The evidence of milestone 1: the merged pull request, hashed into the payout intent."""


@dataclass(frozen=True)
class Cast:
    """Who plays which part (accounts of the test mnemonic)."""

    operator: LocalAccount
    maintainer: LocalAccount
    funder: LocalAccount
    contributor: LocalAccount
    arbiter: LocalAccount
    relayer: LocalAccount
    treasury: LocalAccount
    verifiers: tuple[LocalAccount, LocalAccount, LocalAccount]

    @classmethod
    def from_dev_accounts(cls) -> Cast:
        a = dev_accounts(10)
        return cls(a[0], a[1], a[2], a[3], a[4], a[5], a[6], (a[7], a[8], a[9]))

    def deploy(self, w3: Web3, say: Callable[[str], None]) -> tuple[Escrow, Token]:
        """The story's contracts: MilestoneEscrow at a 1% fee run by the operator, and token QUSD."""
        escrow = Escrow.deploy(
            w3,
            self.operator,
            admin=self.operator.address,
            guardian=self.operator.address,
            treasury=self.treasury.address,
            fee_bps=100,
        )
        token = Token.deploy_test_token(w3, self.operator, "Quilt Dollar", "QUSD")
        say(f"deployed MilestoneEscrow at {escrow.address} (fee 1%) and token QUSD at {token.address}")
        return escrow, token

    def people(self) -> dict[str, str]:
        return {
            "maintainer": self.maintainer.address,
            "funder": self.funder.address,
            "contributor": self.contributor.address,
            "treasury": self.treasury.address,
        }


@dataclass
class DemoResult:
    escrow: str
    token: str
    escrow_id: int
    before: dict[str, int] = field(default_factory=dict)
    intent_id: str = ""  # the payout intent that paid milestone 1 (the badges chapter's evidence)
    after: dict[str, int] = field(default_factory=dict)


def run_story(w3: Web3, say: Callable[[str], None] = print) -> DemoResult:
    """Deploy the contracts on ``w3`` and play the story, narrating through ``say``."""
    cast = Cast.from_dev_accounts()
    fund_dev_accounts(w3, [cast.operator, cast.maintainer, cast.funder, cast.contributor, cast.arbiter, cast.relayer])

    say(f"chain id {w3.eth.chain_id}, block {w3.eth.block_number}")
    escrow, token = cast.deploy(w3, say)
    token.mint(cast.maintainer.address, 1_000 * UNIT, sender=cast.operator)
    token.mint(cast.funder.address, 1_000 * UNIT, sender=cast.operator)
    before = _balances(token, cast)

    now = int(w3.eth.get_block("latest")["timestamp"])
    verifiers = [v.address for v in cast.verifiers]
    terms = EscrowTerms(
        token=token.address,
        amounts=[300 * UNIT, 500 * UNIT, 200 * UNIT],
        deadline=now + 14 * DAY,
        arbiter=cast.arbiter.address,
        verifiers=verifiers,
        threshold=2,
        metadata_hash=intents.evidence_hash(BOUNTY_SPEC),
    )
    created = escrow.create(terms, sender=cast.maintainer, initial_funding=600 * UNIT, approve=True)
    eid = created.escrow_id
    say(f"1. maintainer opens bounty #{eid}: milestones 300 / 500 / 200 QUSD, 2-of-3 verifiers, funds 600")
    escrow.fund(eid, 400 * UNIT, sender=cast.funder, approve=True)
    say("2. a second funder adds 400 QUSD: fully funded (1000)")
    escrow.assign_payee(eid, cast.contributor.address, sender=cast.maintainer)
    say(f"3. maintainer assigns the contributor {cast.contributor.address}")

    intent = intents.PayoutIntent(
        escrow_id=eid,
        milestone=0,
        payee=cast.contributor.address,
        amount=300 * UNIT,
        token=token.address,
        intent_id=intents.new_intent_id(),
        deadline=now + DAY,
        evidence_hash=intents.evidence_hash(MERGED_PR),
    )
    domain = escrow.domain()
    signed = [intents.sign_intent(intent, domain, v) for v in (cast.verifiers[0], cast.verifiers[2])]
    signatures = intents.signatures_for(intent, domain, verifiers, signed)
    paid = escrow.release_with_intent(intent, verifiers, signatures, sender=cast.relayer)
    say(
        f"4. PR #108 merged; verifiers 1 and 3 sign intent {intent.intent_id[:10]}... "
        f"(evidence {intent.evidence_hash[:10]}...); the relayer submits it: milestone 1 paid "
        f"(gas {paid.gas_used})"
    )

    escrow.dispute(eid, 1, sender=cast.maintainer)
    say("5. maintainer disputes milestone 2 (500 QUSD)")
    resolved = escrow.resolve(eid, 1, 6_000, sender=cast.arbiter)
    split = resolved.event("DisputeResolved").args
    say(
        f"   arbiter splits it 60/40: {split['toPayee'] / UNIT:g} to the contributor (after fee), "
        f"{split['toFunders'] / UNIT:g} back to the funders"
    )

    advance_time(w3, 15 * DAY)
    opened = escrow.open_refunds(eid, sender=cast.relayer)
    say(
        f"6. the deadline passes; anyone opens refunds: {opened.event('RefundsOpened').args['amount'] / UNIT:g} QUSD "
        "(milestone 3) joins the refund pool"
    )
    for name, funder in (("maintainer", cast.maintainer), ("funder", cast.funder)):
        claimed = escrow.claim_refund(eid, funder.address, sender=cast.relayer)
        say(f"   {name} gets {claimed.event('RefundClaimed').args['amount'] / UNIT:g} QUSD back (pro rata)")

    after = _balances(token, cast)
    say("")
    say(balance_table(before, after, UNIT))
    info = escrow.get_escrow(eid)
    say(f"escrow #{eid} now holds {info.held / UNIT:g} QUSD; milestones: {[m.state.name for m in info.milestones]}")
    return DemoResult(
        escrow=escrow.address,
        token=token.address,
        escrow_id=eid,
        before=before,
        after=after,
        intent_id=intent.intent_id,
    )


def _balances(token: Token, cast: Cast) -> dict[str, int]:
    return {name: token.balance_of(address) for name, address in cast.people().items()}


def balance_table(before: dict[str, int], after: dict[str, int], unit: int) -> str:
    """Before/after/change per account, in whole tokens of ``unit`` base units."""
    rows = [f"{'account':<12}{'before':>12}{'after':>12}{'change':>12}"]
    for name in before:
        b, a = before[name] / unit, after[name] / unit
        rows.append(f"{name:<12}{b:>12,.2f}{a:>12,.2f}{a - b:>+12,.2f}")
    return "\n".join(rows)
