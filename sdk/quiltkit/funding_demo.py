"""The funding chapter of ``quiltkit demo``: a funding round the DAO decides, paid by quadratic
matching, then a month-long contribution contest paid by a signed leaderboard.

A FOUNDER_IDEA proposal, voted, queued and executed on the Timelock (which holds the factory's
ROUND_CREATOR_ROLE), creates two rounds in one decision: a QUADRATIC round in a 6-decimal USDC
gated by a BadgeReputationGate, and a SCORE contest. Badge holders donate; a donor without a
badge is refused with ``RoundIneligibleDonor`` before anything is sent. Finalisation shows many
small donors beating one whale (the SDK's ``qf_match`` gives the same integers); milestones
release on PayoutIntents signed by 2 of 3 verifiers, one of them streaming over 30 days; an
underfunded project's donors are refunded in full; the contest's pool is paid pro rata to a
leaderboard the verifiers signed. The chain's clock is moved forward, never waited for. Every
step goes through the typed SDK (``quiltkit.FundingRoundFactory``, ``FundingRound``,
``BadgeReputationGate``, ``SoulboundBadge``, ``Governor``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from quiltkit import intents
from quiltkit.badges import SoulboundBadge, registered_type
from quiltkit.devchain import advance_time, dev_accounts, fund_dev_accounts
from quiltkit.funding import (
    BadgeReputationGate,
    FundingRound,
    FundingRoundFactory,
    LeaderboardEntry,
    Phase,
    RoundParams,
    Strategy,
    qf_match,
    score_allocation,
)
from quiltkit.funding_errors import RoundIneligibleDonor
from quiltkit.governance import ProposalType, call
from quiltkit.governance_demo import _deploy as deploy_dao
from quiltkit.governance_demo import _pass as pass_proposal
from quiltkit.tokens import Token

__all__ = ["CONTEST_SCORES", "PROJECTS", "FundingChapter", "match_table", "run_funding_chapter"]

UNIT = 10**18
USDC = 10**6
DAY = 86_400
BADGE_WEIGHT = 10 * UNIT
MIN_REPUTATION = 5 * UNIT
POOL = 600 * USDC
CONTEST_POOL = 1_000 * USDC
STREAM = 30 * DAY
PROJECTS = ("docs", "whale's pick", "tooling", "translations")
"""The round's projects: five small donors, one whale, three small donors (streamed), underfunded."""
GOALS = (100 * USDC, 100 * USDC, 40 * USDC, 500 * USDC)
CONTEST_SCORES = (50, 30, 20)
"""The contest's frozen leaderboard: the contributor, the arbiter, the treasury."""


@dataclass
class FundingChapter:
    round: str
    contest: str
    donated: list[int] = field(default_factory=list)
    matched: list[int] = field(default_factory=list)
    expected: list[int] = field(default_factory=list)  # the SDK's qf_match of the same gifts
    refused: bool = False  # the donor without a badge: refused, nothing sent
    released: int = 0  # docs: both milestones by attestation
    streamed: int = 0  # tooling: claimed half-way through its stream
    stream_total: int = 0
    refunded: int = 0  # translations: back to its donors
    pool_returned: int = 0
    contest_paid: list[int] = field(default_factory=list)
    held: int = 0  # what the round holds at the end


def run_funding_chapter(w3: Web3, say: Callable[[str], None] = print) -> FundingChapter:
    """Deploy a DAO, badges, a gate and a round factory on ``w3`` and play the chapter."""
    accounts = dev_accounts(17)
    operator, proposer, whale, contributor, arbiter, relayer, treasury = accounts[:7]
    verifiers = accounts[7:10]
    small = accounts[10:15]  # five small donors
    stranger = accounts[15]  # holds no badge
    translator = accounts[16]
    fund_dev_accounts(w3, [operator, proposer, whale, relayer, *small, stranger, contributor, arbiter, treasury])

    token, timelock, governor, _ = deploy_dao(w3, operator)
    factory = FundingRoundFactory.deploy(w3, operator, admin=timelock.address, creator=timelock.address)
    usdc = Token.deploy_test_token(w3, operator, "USD Coin (test)", "USDC", 6)
    badges = SoulboundBadge.deploy(w3, operator, admin=operator.address)
    kind = registered_type(badges.register_type("Contributor", "", BADGE_WEIGHT, sender=operator))
    badges.grant_role("ISSUER_ROLE", operator.address, sender=operator)
    holders = [whale, *small]
    badges.issue_batch(
        [h.address for h in holders],
        kind,
        [intents.evidence_hash({"holder": h.address}) for h in holders],
        sender=operator,
    )
    gate = BadgeReputationGate.deploy(w3, operator, badges=badges.address, min_reputation=MIN_REPUTATION)
    say(
        f"deployed the DAO (Governor {governor.address}, Timelock {timelock.address}), a FundingRoundFactory "
        f"{factory.address} whose round creator is the Timelock, USDC (6 decimals), and a BadgeReputationGate "
        f"{gate.address} (reputation >= {MIN_REPUTATION // UNIT}; six donors hold a {BADGE_WEIGHT // UNIT}-point badge)"
    )

    # 1. The DAO decides both rounds in one FOUNDER_IDEA proposal.
    token.donate(150 * UNIT, sender=proposer)
    token.delegate(proposer.address, sender=proposer)
    advance_time(w3, 1)
    t0 = int(w3.eth.get_block("latest")["timestamp"])
    vs = [v.address for v in verifiers]
    quadratic = RoundParams(
        currency=usdc.address,
        curator=proposer.address,
        application_end=t0 + 8 * DAY,
        donation_start=t0,
        donation_end=t0 + 10 * DAY,
        release_deadline=t0 + 90 * DAY,
        eligibility=gate.address,
        verifiers=vs,
        threshold=2,
    )
    contest = RoundParams(
        currency=usdc.address,
        curator=proposer.address,
        strategy=Strategy.SCORE,
        application_end=t0 + 6 * DAY,
        donation_start=t0 + 6 * DAY,
        donation_end=t0 + 36 * DAY,  # the contest's month
        release_deadline=t0 + 90 * DAY,
        verifiers=vs,
        threshold=2,
    )
    salts = (b"\x01" * 32, b"\x02" * 32)
    proposal = pass_proposal(
        w3,
        governor,
        [
            call(factory, "createRound", quadratic.as_tuple(), salts[0], "ipfs://quiltkit-grants-q1"),
            call(factory, "createRound", contest.as_tuple(), salts[1], "ipfs://quiltkit-patchquest-1"),
        ],
        "founder idea: a quadratic grants round and a month of PatchQuest",
        ProposalType.FOUNDER_IDEA,
        [proposer],
    )
    round_ = FundingRound(w3, factory.predict_round(quadratic, salts[0]))
    quest = FundingRound(w3, factory.predict_round(contest, salts[1]))
    say(
        f"1. FOUNDER_IDEA #{str(proposal.proposal_id)[:8]}... passes, is queued and executed by the Timelock: "
        f"it creates the QUADRATIC round {round_.address} and the SCORE contest {quest.address} "
        f"(registered by the factory: {factory.is_round(round_.address) and factory.is_round(quest.address)})"
    )

    # 2. Projects, a pool, and gifts from badge holders.
    recipients = [contributor, arbiter, treasury, translator]
    milestones: tuple[list[int], ...] = ([40, 60], [1], [1], [1])
    ids = [
        round_.register_project(r.address, goal, m, STREAM if name == "tooling" else 0, sender=proposer)
        for name, r, goal, m in zip(PROJECTS, recipients, GOALS, milestones, strict=True)
    ]
    gifts: list[list[tuple[LocalAccount, int]]] = [
        [(d, 25 * USDC) for d in small],
        [(whale, 125 * USDC)],
        [(d, 16 * USDC) for d in small[:3]],
        [(d, 10 * USDC) for d in small[3:]],
    ]
    given: dict[str, int] = {}
    for project_gifts in gifts:
        for donor, amount in project_gifts:
            given[donor.address] = given.get(donor.address, 0) + amount
    for donor in holders:  # one mint and one allowance per donor, for all its gifts
        _approve(usdc, operator, donor, round_.address, given[donor.address])
    for project, project_gifts in zip(ids, gifts, strict=True):
        for donor, amount in project_gifts:
            round_.donate(project, amount, sender=donor)
    _approve(usdc, operator, operator, round_.address, POOL)
    round_.fund_pool(POOL, sender=operator)
    say(
        f"2. the curator registers {len(ids)} projects; five small donors give 25 USDC each to docs, one whale "
        f"125 USDC to its pick, three give 16 to tooling (streamed over 30 days), two give 10 to translations "
        f"(goal 500); a sponsor adds {POOL // USDC} USDC of matching"
    )

    nonce = w3.eth.get_transaction_count(stranger.address)
    refused = False
    try:
        round_.donate(ids[0], 25 * USDC, sender=stranger)
    except RoundIneligibleDonor as exc:
        refused = w3.eth.get_transaction_count(stranger.address) == nonce
        say(
            f"3. a donor without a badge is refused before anything is sent: {exc.error_name} "
            f"(donor {exc.args_by_name['donor']}; the gate reads reputation {badges.reputation_of(stranger.address)})"
        )

    # 4. Finalisation: the exact on-chain quadratic match.
    advance_time(w3, quadratic.donation_end - int(w3.eth.get_block("latest")["timestamp"]) + 1)
    calls = 0
    while round_.state().phase != Phase.FINALIZED:
        round_.finalize(3, sender=relayer)  # resumable: a cursor over the projects
        calls += 1
    projects = [round_.get_project(i) for i in ids]
    donated = [p.donated for p in projects]
    matched = [p.matched for p in projects]
    expected = qf_match([[a for _, a in g] for g in gifts], GOALS, POOL)
    say(f"4. anyone finalises (in {calls} calls of at most 3 project visits); the match per project:")
    say(match_table(PROJECTS, [len(g) for g in gifts], donated, matched, [p.refunding for p in projects]))
    say(
        f"   same money, 125 USDC each: five small donors draw {matched[0] / USDC:,.2f} of matching, the whale "
        f"{matched[1] / USDC:,.2f}; the SDK's qf_match gives the same integers: {matched == expected}"
    )

    # 5. Releases: attested milestones, one stream.
    before = usdc.balance_of(contributor.address)
    for milestone in range(2):
        _attested_release(w3, round_, ids[0], milestone, verifiers, relayer)
    released = usdc.balance_of(contributor.address) - before
    round_.release(ids[1], 0, sender=proposer)
    _attested_release(w3, round_, ids[2], 0, verifiers, relayer)
    advance_time(w3, STREAM // 2)
    before_stream = usdc.balance_of(treasury.address)
    round_.claim_stream(ids[2], 0, sender=relayer)
    streamed = usdc.balance_of(treasury.address) - before_stream
    stream_total = projects[2].total
    say(
        f"5. verifiers 1 and 3 sign a PayoutIntent per docs milestone; the relayer submits them: "
        f"{released / USDC:,.2f} USDC paid in the planned 40/60 ({round_.milestone_payout(ids[0], 0) / USDC:,.2f} + "
        f"{round_.milestone_payout(ids[0], 1) / USDC:,.2f}); the curator releases the whale's pick"
    )
    say(
        f"   tooling's attested milestone streams: half-way through 30 days, {streamed / USDC:,.2f} of "
        f"{stream_total / USDC:,.2f} USDC claimed, the rest vesting"
    )

    # 6. The underfunded project's donors are refunded in full; the pool's rest returns.
    refunded = 0
    for donor, _ in gifts[3]:
        before_refund = usdc.balance_of(donor.address)
        round_.claim_refund(ids[3], sender=donor)
        refunded += usdc.balance_of(donor.address) - before_refund
    returned = round_.pool_return_of(operator.address)
    round_.claim_pool_return(sender=operator)
    say(
        f"6. translations missed its goal (20 of 500): its donors claim {refunded / USDC:,.2f} USDC back, all they "
        f"gave; the {returned / USDC:,.2f} USDC of the pool left unmatched return to the sponsor"
    )

    # 7. The contest: a month, a frozen leaderboard signed by the verifiers, the pool by score.
    _approve(usdc, operator, operator, quest.address, CONTEST_POOL)
    quest.fund_pool(CONTEST_POOL, sender=operator)
    advance_time(w3, contest.donation_end - int(w3.eth.get_block("latest")["timestamp"]) + 1)
    players = [contributor, arbiter, treasury]
    entries = [LeaderboardEntry(recipient=p.address, score=s) for p, s in zip(players, CONTEST_SCORES, strict=True)]
    signatures = [
        intents.VerifierSignature(verifier_index=i, signature=quest.sign_leaderboard(entries, verifiers[i]))
        for i in (1, 2)
    ]
    quest.submit_leaderboard(entries, vs, signatures, sender=relayer)
    paid = []
    for player in players:
        before_withdraw = usdc.balance_of(player.address)
        quest.withdraw(sender=player)
        paid.append(usdc.balance_of(player.address) - before_withdraw)
    say(
        f"7. the contest's month ends; verifiers 2 and 3 sign the frozen leaderboard (scores "
        f"{'/'.join(map(str, CONTEST_SCORES))}); its {CONTEST_POOL // USDC:,} USDC pool pays "
        f"{' / '.join(f'{p / USDC:,.2f}' for p in paid)} USDC (score_allocation: "
        f"{paid == score_allocation(list(CONTEST_SCORES), CONTEST_POOL)})"
    )
    held = usdc.balance_of(round_.address)
    say(f"the round now holds {held / USDC:,.2f} USDC: tooling's unvested stream, nothing else")
    return FundingChapter(
        round=round_.address,
        contest=quest.address,
        donated=donated,
        matched=matched,
        expected=expected,
        refused=refused,
        released=released,
        streamed=streamed,
        stream_total=stream_total,
        refunded=refunded,
        pool_returned=returned,
        contest_paid=paid,
        held=held,
    )


def _approve(usdc: Token, operator: LocalAccount, owner: LocalAccount, spender: str, amount: int) -> None:
    usdc.mint(owner.address, amount, sender=operator)
    usdc.approve(spender, amount, sender=owner)


def _attested_release(
    w3: Web3,
    round_: FundingRound,
    project: int,
    milestone: int,
    verifiers: Sequence[LocalAccount],
    relayer: LocalAccount,
) -> None:
    """Verifiers 1 and 3 sign the milestone's PayoutIntent; the relayer submits it."""
    intent = round_.intent_for(
        project,
        milestone,
        intent_id=intents.new_intent_id(),
        deadline=int(w3.eth.get_block("latest")["timestamp"]) + DAY,
        evidence_hash=intents.evidence_hash({"project": project, "milestone": milestone}),
    )
    signatures = [
        intents.VerifierSignature(verifier_index=i, signature=round_.sign_intent(intent, verifiers[i])) for i in (0, 2)
    ]
    round_.release_with_intent(intent, [v.address for v in verifiers], signatures, sender=relayer)


def match_table(
    names: Sequence[str],
    donors: Sequence[int],
    donated: Sequence[int],
    matched: Sequence[int],
    refunding: Sequence[bool],
) -> str:
    """Per project: donors, donated, quadratic match and total, in whole USDC."""
    rows = [f"   {'project':<14}{'donors':>7}{'donated':>10}{'match':>10}{'total':>10}"]
    for name, n, d, m, r in zip(names, donors, donated, matched, refunding, strict=True):
        total = "refunded" if r else f"{(d + m) / USDC:,.2f}"
        rows.append(f"   {name:<14}{n:>7}{d / USDC:>10,.2f}{m / USDC:>10,.2f}{total:>10}")
    return "\n".join(rows)
