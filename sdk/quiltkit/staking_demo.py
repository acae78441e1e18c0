"""The staking chapter of ``quiltkit demo``: stake without losing votes, rewards in two tokens,
bonded verifiers and a slash by vote.

The DAO (deployed as the governance chapter deploys it: the Timelock administers everything)
votes to upgrade its token to V2 with a staking pool and a verifier-bond registry as lockers;
holders stake and keep every vote; the DAO streams a stablecoin and its own token to stakers;
three verifiers of a bounty escrow bond for its set with a minimum; a false attestation is slashed
by a vote whose execution also suspends that verifier in the escrow, and its next signature on a
payout intent is refused (the other two still release). The chain's clock is moved forward, never
waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from quiltkit import intents
from quiltkit.demo import Cast
from quiltkit.devchain import advance_time, fund_dev_accounts
from quiltkit.escrow import Escrow, EscrowTerms, verifier_set_hash
from quiltkit.escrow_errors import EscrowVerifierSuspended
from quiltkit.governance import ProposalType, call
from quiltkit.governance_demo import _deploy, _pass
from quiltkit.staking import GovernanceTokenV2, Staking, VerifierBonds
from quiltkit.tokens import Token

__all__ = ["StakingChapter", "run_staking_chapter"]

UNIT = 10**18
USDC = 10**6
DAY = 86_400
WEEK = 7 * DAY
MINIMUM_BOND = 100 * UNIT
USDC_REWARDS = 7_000 * USDC
TOKEN_REWARDS = 700 * UNIT
SLASH = 60 * UNIT
BOUNTY = 500 * USDC


@dataclass
class StakingChapter:
    token: str
    staking: str
    bonds: str
    votes_before: dict[str, int]
    votes_after: dict[str, int]
    claimed: dict[str, dict[str, int]]
    client_side: dict[str, dict[str, int]]
    slashed: int
    escrow: str = ""
    refused_signer: str | None = None
    released_by: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def run_staking_chapter(w3: Web3, say: Callable[[str], None] = print) -> StakingChapter:
    """Deploy a DAO with staking on ``w3`` and play the chapter, narrating through ``say``."""
    cast = Cast.from_dev_accounts()
    operator, proposer, whale, holder = cast.operator, cast.maintainer, cast.funder, cast.contributor
    verifiers = list(cast.verifiers)
    members: list[str] = [v.address for v in verifiers]
    bonded_set = bytes.fromhex(verifier_set_hash(members)[2:])
    fund_dev_accounts(w3, [operator, proposer, whale, holder, *verifiers])
    v1, timelock, governor, _ = _deploy(w3, operator)
    tl = timelock.address
    for donor, value in ((proposer, 150 * UNIT), (whale, 400 * UNIT), (holder, 50 * UNIT)):
        v1.donate(value, sender=donor)
        v1.delegate(donor.address, sender=donor)
    for verifier in verifiers:
        v1.donate(150 * UNIT, sender=verifier)
        v1.delegate(verifier.address, sender=verifier)
    advance_time(w3, 1)

    staking = Staking.deploy(w3, operator, token=v1.address, admin=tl, distributor=tl)
    bonds = VerifierBonds.deploy(w3, operator, token=v1.address, governance=tl, treasury=tl)
    implementation, _ = GovernanceTokenV2._deploy(w3, operator, staking.address, bonds.address)
    init = GovernanceTokenV2(w3, implementation)._encode("initializeV2")
    _pass(
        w3,
        governor,
        [call(v1, "upgradeToAndCall", implementation, init), call(bonds, "setMinimumBond", bonded_set, MINIMUM_BOND)],
        "staking: upgrade the token to V2 (stake locks), require 100 tokens of bond per verifier",
        ProposalType.STANDARD,
        [proposer, whale],
    )
    token = GovernanceTokenV2(w3, v1.address)
    say(
        f"1. the DAO votes the token's upgrade to V2: staking pool {staking.address} and bond registry "
        f"{bonds.address} lock tokens inside holders' balances; the verifier set requires "
        f"{MINIMUM_BOND // UNIT} tokens of bond per member"
    )

    stakers = {"proposer": proposer, "whale": whale, "holder": holder}
    before = {name: token.get_votes(a.address) for name, a in stakers.items()}
    for account in stakers.values():
        staking.stake(token.balance_of(account.address) * 4 // 5, sender=account)
    advance_time(w3, 1)
    after = {name: token.get_votes(a.address) for name, a in stakers.items()}
    say(
        "2. three holders stake 80% of their tokens and keep every vote: "
        + ", ".join(f"{n} {before[n] / UNIT:g} -> {after[n] / UNIT:g}" for n in stakers)
        + f"; {staking.total_staked() / UNIT:g} staked in all, none of it transferable until unstaked"
    )

    usdc = Token.deploy_test_token(w3, operator, "USD Coin", "USDC", 6)
    usdc.mint(tl, USDC_REWARDS, sender=operator)
    _pass(
        w3,
        governor,
        [
            call(usdc, "approve", staking.address, USDC_REWARDS),
            call(staking, "notifyRewardAmount", usdc.address, USDC_REWARDS, WEEK),
            call(token, "mint", staking.address, TOKEN_REWARDS),
            call(staking, "notifyRewardAmount", token.address, TOKEN_REWARDS, WEEK),
        ],
        "rewards: stream 7,000 USDC and 700 governance tokens to stakers over a week",
        ProposalType.STANDARD,
        [proposer, whale],
    )
    say(
        f"3. a second vote streams {USDC_REWARDS // USDC:,} USDC and {TOKEN_REWARDS // UNIT} governance tokens "
        "over a week (the tokens minted straight into the pool, which streams what it holds first)"
    )
    advance_time(w3, WEEK)
    client_side = {name: staking.pending_rewards(a.address) for name, a in stakers.items()}
    claimed: dict[str, dict[str, int]] = {}
    for name, account in stakers.items():
        paid = staking.claim_all(sender=account).events_named("RewardPaid")
        claimed[name] = {str(e.args["token"]): int(e.args["amount"]) for e in paid}
    say(
        "4. a week later each claims both tokens; the SDK computed the same amounts client-side: "
        + "; ".join(
            f"{n} {claimed[n].get(usdc.address, 0) / USDC:,.2f} USDC + {claimed[n].get(token.address, 0) / UNIT:,.2f}"
            " tokens"
            for n in stakers
        )
    )

    for verifier in verifiers:
        bonds.bond(MINIMUM_BOND, sender=verifier)
    # A bounty whose payouts those three attest, 2 of 3; the escrow lets the registry suspend them.
    escrow = Escrow.deploy(w3, operator, admin=operator.address, guardian=operator.address, treasury=tl)
    escrow.grant_role("VERIFIER_BONDS_ROLE", bonds.address, sender=operator)
    usdc.mint(proposer.address, 2 * BOUNTY, sender=operator)
    now = int(w3.eth.get_block("latest")["timestamp"])
    terms = EscrowTerms(
        token=usdc.address, amounts=[BOUNTY, BOUNTY], deadline=now + 30 * DAY, verifiers=members, threshold=2
    )
    bounty = escrow.create(terms, sender=proposer, initial_funding=2 * BOUNTY, approve=True).escrow_id
    say(
        f"5. three verifiers bond {MINIMUM_BOND // UNIT} tokens each (votes kept) for the set that attests "
        f"bounty {bounty} (2 of 3, {2 * BOUNTY // USDC:,} USDC in escrow {escrow.address})"
    )
    liar = verifiers[0]
    treasury_before = token.balance_of(tl)
    _pass(
        w3,
        governor,
        bonds.slashing_calls(
            liar.address,
            SLASH,
            "attested a milestone that was not delivered",
            consumers=[(escrow.address, members)],
        ),
        "slash verifier 1: a false attestation; suspend it in the bounty escrow",
        ProposalType.STANDARD,
        [proposer, whale],
    )
    slashed = token.balance_of(tl) - treasury_before
    suspended = bonds.recorded_suspensions(escrow.address, members)
    intent = intents.PayoutIntent(
        escrow_id=bounty,
        milestone=0,
        payee=holder.address,
        amount=BOUNTY,
        token=usdc.address,
        intent_id=intents.new_intent_id(),
        deadline=now + 30 * DAY,
        evidence_hash=intents.evidence_hash({"repo": "quiltkit/demo", "pr": 27}),
    )
    refused: str | None = None
    try:
        escrow.release_with_intent(intent, members, _signed(escrow, intent, members, verifiers[:2]), sender=holder)
    except EscrowVerifierSuspended as exc:
        refused = members[int(exc.args_by_name["verifierIndex"])]
        say(
            f"6. verifier 1 attested an undelivered milestone: one vote slashes {slashed / UNIT:g} tokens of its bond "
            f"to the treasury (bond now {bonds.bond_of(liar.address).active / UNIT:g} < minimum "
            f"{MINIMUM_BOND / UNIT:g}) and, in the same execution, pushes the suspension into the escrow "
            f"(members suspended: {suspended.members}); its next signature is refused with {exc.error_name}, "
            "nothing sent"
        )
    release = escrow.release_with_intent(
        intent, members, _signed(escrow, intent, members, verifiers[1:]), sender=holder
    )
    released_by = [members[1], members[2]]
    say(
        f"7. the two bonded verifiers sign the same intent and milestone 0 pays {BOUNTY / USDC:,.2f} USDC "
        f"(gas {release.gas_used:,})"
    )
    return StakingChapter(
        token=token.address,
        staking=staking.address,
        bonds=bonds.address,
        votes_before=before,
        votes_after=after,
        claimed=claimed,
        client_side=client_side,
        slashed=slashed,
        escrow=escrow.address,
        refused_signer=refused,
        released_by=released_by,
    )


def _signed(
    escrow: Escrow, intent: intents.PayoutIntent, members: list[str], signers: list[LocalAccount]
) -> list[intents.VerifierSignature]:
    domain = escrow.domain()
    raw = [intents.sign_intent(intent, domain, s) for s in signers]
    return intents.signatures_for(intent, domain, members, raw)
