"""The bounty story on Stellar: the Soroban escrow on the local host (``quiltkit demo``).

The same story as :mod:`quiltkit.demo`, with a Stellar asset (7 decimals): a maintainer opens a
3-milestone bounty and funds it; a second funder funds the rest; a contributor is assigned; two
of three ed25519 verifiers sign a payout intent for milestone 1 that a relayer submits;
milestone 2 is disputed and split by the arbiter; ledger time passes the deadline and
milestone 3 is refunded pro rata. Every write is signed with the account's own key and checked
by the real Soroban host.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from stellar_sdk import Keypair

from quiltkit import intents
from quiltkit.demo import BOUNTY_SPEC, MERGED_PR, balance_table
from quiltkit.soroban.backend import LocalHost
from quiltkit.soroban.escrow import SorobanEscrow
from quiltkit.soroban.models import SorobanEscrowTerms

__all__ = ["UNIT", "StellarCast", "StellarDemoResult", "run_story"]

UNIT = 10**7
"""One unit of a Stellar asset (7 decimal places)."""
DAY = 86_400
FEE_BPS = 100


def _keypair(role: str) -> Keypair:
    """A fixed demo key per role (never hold value with it)."""
    return Keypair.from_raw_ed25519_seed(hashlib.sha256(f"quiltkit demo {role}".encode()).digest())


@dataclass(frozen=True)
class StellarCast:
    """Who plays which part: Stellar accounts with fixed demo keys."""

    operator: Keypair
    maintainer: Keypair
    funder: Keypair
    contributor: Keypair
    arbiter: Keypair
    relayer: Keypair
    treasury: Keypair
    verifiers: tuple[Keypair, Keypair, Keypair]

    @classmethod
    def demo(cls) -> StellarCast:
        return cls(
            operator=_keypair("operator"),
            maintainer=_keypair("maintainer"),
            funder=_keypair("funder"),
            contributor=_keypair("contributor"),
            arbiter=_keypair("arbiter"),
            relayer=_keypair("relayer"),
            treasury=_keypair("treasury"),
            verifiers=(_keypair("verifier 1"), _keypair("verifier 2"), _keypair("verifier 3")),
        )

    def everyone(self) -> list[Keypair]:
        return [
            self.operator,
            self.maintainer,
            self.funder,
            self.contributor,
            self.arbiter,
            self.relayer,
            self.treasury,
            *self.verifiers,
        ]

    def people(self) -> dict[str, str]:
        return {
            "maintainer": self.maintainer.public_key,
            "funder": self.funder.public_key,
            "contributor": self.contributor.public_key,
            "treasury": self.treasury.public_key,
        }


@dataclass
class StellarDemoResult:
    escrow: str
    token: str
    escrow_id: int
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    held: int = 0


def run_story(host: LocalHost, say: Callable[[str], None] = print) -> StellarDemoResult:
    """Deploy a Stellar asset and the escrow on ``host`` and play the story, narrating via ``say``."""
    cast = StellarCast.demo()
    for keypair in cast.everyone():
        host.create_account(keypair)
    ledger = host.ledger()
    say(f"Soroban host (local harness), ledger {ledger.sequence}, network {host.network_passphrase!r}")
    token = host.deploy_sac(cast.operator)
    address = host.deploy_escrow(cast.operator, cast.treasury, FEE_BPS)
    escrow = SorobanEscrow(host, address)
    say(f"deployed the Soroban escrow at {address} (fee 1%) and a Stellar asset (SAC) at {token}")
    host.mint(token, cast.maintainer, 1_000 * UNIT)
    host.mint(token, cast.funder, 1_000 * UNIT)
    before = _balances(host, token, cast)

    terms = SorobanEscrowTerms(
        token=token,
        amounts=[300 * UNIT, 500 * UNIT, 200 * UNIT],
        deadline=ledger.timestamp + 14 * DAY,
        arbiter=cast.arbiter.public_key,
        verifiers=[v.public_key for v in cast.verifiers],
        threshold=2,
        metadata=intents.evidence_hash(BOUNTY_SPEC),
    )
    eid = escrow.create(terms, signer=cast.maintainer).escrow_id
    escrow.fund(eid, 600 * UNIT, signer=cast.maintainer)
    say(f"1. maintainer opens bounty #{eid}: milestones 300 / 500 / 200, 2-of-3 ed25519 verifiers, funds 600")
    escrow.fund(eid, 400 * UNIT, signer=cast.funder)
    say("2. a second funder adds 400: fully funded (1000)")
    escrow.assign_payee(eid, cast.contributor.public_key, signer=cast.maintainer)
    say(f"3. maintainer assigns the contributor {cast.contributor.public_key}")

    intent = intents.PayoutIntent(
        escrow_id=eid,
        milestone=0,
        payee=cast.contributor.public_key,
        amount=300 * UNIT,
        token=token,
        intent_id=intents.new_intent_id(),
        deadline=ledger.timestamp + DAY,
        evidence_hash=intents.evidence_hash(MERGED_PR),
    )
    signatures = escrow.sign_intent(intent, [cast.verifiers[0], cast.verifiers[2]])
    paid = escrow.release_with_intent(intent, signatures, source=cast.relayer)
    released = paid.event("milestone_released").args
    say(
        f"4. PR #108 merged; verifiers 1 and 3 sign intent {intent.intent_id[:10]}... over digest "
        f"{escrow.digest(intent).hex()[:10]}...; the relayer submits it: milestone 1 paid "
        f"({released['net'] / UNIT:g} to the contributor, {released['fee'] / UNIT:g} fee)"
    )

    escrow.dispute(eid, 1, signer=cast.maintainer)
    say("5. maintainer disputes milestone 2 (500)")
    split = escrow.resolve(eid, 1, 6_000, signer=cast.arbiter).event("dispute_resolved").args
    say(
        f"   arbiter splits it 60/40: {split['net'] / UNIT:g} to the contributor (after fee), "
        f"{split['funders_amount'] / UNIT:g} back to the funders"
    )

    host.advance_ledger(ledgers=100, seconds=15 * DAY)
    refunded = escrow.refund(eid, source=cast.relayer).event("escrow_refunded").args
    say(
        f"6. ledger time passes the deadline; anyone calls refund: {refunded['amount'] / UNIT:g} "
        "(milestone 3) joins the refund pool"
    )
    for name, funder in (("maintainer", cast.maintainer), ("funder", cast.funder)):
        claimed = escrow.claim_refund(eid, funder.public_key, source=cast.relayer)
        say(f"   {name} gets {claimed.result / UNIT:g} back (pro rata)")

    after = _balances(host, token, cast)
    say("")
    say(balance_table(before, after, UNIT))
    info = escrow.get_escrow(eid)
    say(f"escrow #{eid} now holds {info.held / UNIT:g}; milestones: {[m.state.name for m in info.milestones]}")
    return StellarDemoResult(
        escrow=address, token=token, escrow_id=eid, before=before, after=after, held=host.balance(token, address)
    )


def _balances(host: LocalHost, token: str, cast: StellarCast) -> dict[str, int]:
    return {name: host.balance(token, address) for name, address in cast.people().items()}
