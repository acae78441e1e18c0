"""The README's `make demo` story, run on the chain under test."""

from __future__ import annotations

from quiltkit.demo import UNIT, run_story
from web3 import Web3


def test_demo_story_moves_the_money_it_tells(w3: Web3) -> None:
    lines: list[str] = []
    result = run_story(w3, say=lines.append)
    change = {k: result.after[k] - result.before[k] for k in result.before}
    assert change == {
        "maintainer": -360 * UNIT,  # funded 600, got 240 back
        "funder": -240 * UNIT,  # funded 400, got 160 back
        "contributor": 594 * UNIT,  # 300 + 60% of 500, less 1% fee
        "treasury": 6 * UNIT,
    }
    assert any("milestone 1 paid" in line for line in lines)
    assert "escrow #1 now holds 0 QUSD" in lines[-1] or "now holds 0 QUSD" in lines[-1]


def test_demo_auction_chapter_extends_and_pays_every_share(w3: Web3) -> None:
    from quiltkit.auction_demo import run_auction_chapter

    lines: list[str] = []
    chapter = run_auction_chapter(w3, say=lines.append)
    s = chapter.settlement
    assert chapter.extensions == 3
    assert s.amount == 2 * UNIT
    assert (s.royalty, s.fee, s.impact) == (UNIT // 10, UNIT // 20, UNIT // 25)
    assert s.seller_proceeds == 2 * UNIT - s.royalty - s.fee - s.impact
    assert chapter.paid == {
        "seller": s.seller_proceeds,
        "inventor": s.royalty,
        "treasury": s.fee,
        "offsets": s.impact,
    }
    assert sum("extended: True" in line for line in lines) == 3
    assert lines[-1].splitlines()[-1].startswith("winning bid")


def test_demo_badges_chapter_decays_a_year_then_grows(w3: Web3) -> None:
    from quiltkit.badges import decay
    from quiltkit.badges_demo import ACTIVITY_WEIGHT, WEIGHT, run_badges_chapter

    lines: list[str] = []
    chapter = run_badges_chapter(w3, say=lines.append, evidence_hash="0x" + "42" * 32)
    assert chapter.issued == WEIGHT
    assert chapter.after_a_year == chapter.projected  # the SDK's decay is the contract's
    assert chapter.after_a_year <= decay(WEIGHT, 365 * 86_400)  # a year or a second more on anvil
    assert abs(chapter.after_a_year - 95 * UNIT) < UNIT // 10**5  # 5% a year
    assert chapter.after_activity >= chapter.after_a_year + ACTIVITY_WEIGHT - UNIT // 10**6
    assert any("a year without activity passes: reputation 95.0000" in line for line in lines)


def test_demo_governance_chapter_pays_from_escrow_and_counts_square_roots(w3: Web3) -> None:
    from quiltkit.governance import ProposalState
    from quiltkit.governance_demo import run_governance_chapter

    lines: list[str] = []
    chapter = run_governance_chapter(w3, say=lines.append)
    assert chapter.helper_paid == 3 * UNIT, "milestone 1 of the help request, paid by the Timelock"
    assert chapter.simple == (5 * 36 * UNIT, 400 * UNIT), "simple counting: the whale outweighs five small holders"
    assert chapter.quadratic == (5 * 6 * 10**9, 20 * 10**9), "quadratic: 5 x sqrt(36) beats sqrt(400)"
    assert chapter.founder_state == ProposalState.SUCCEEDED
    assert chapter.emergency_refused
    table = next(line for line in lines if "simple (tokens)" in line)
    assert table.split("\n")[1].rstrip().endswith("defeated") and table.split("\n")[2].rstrip().endswith("passes")
    assert "GovernorEmergencyCallNotAllowed" in lines[-1]


def test_demo_staking_chapter_keeps_votes_pays_rewards_and_slashes(w3: Web3) -> None:
    from quiltkit.staking_demo import MINIMUM_BOND, SLASH, run_staking_chapter

    lines: list[str] = []
    chapter = run_staking_chapter(w3, say=lines.append)
    assert chapter.votes_after == chapter.votes_before, "staking moved no votes"
    for name, paid in chapter.claimed.items():
        assert paid == {t: a for t, a in chapter.client_side[name].items() if a}, "client-side = contract"
    usdc = [a for paid in chapter.claimed.values() for t, a in paid.items() if t != chapter.token]
    assert 6_999 * 10**6 < sum(usdc) <= 7_000 * 10**6, "a week of 7,000 USDC, never more"
    assert chapter.slashed == SLASH
    assert SLASH > 0 and MINIMUM_BOND > SLASH, "one slash takes the liar below the minimum"
    assert chapter.refused_signer is not None, "the slashed verifier's signature was refused"
    assert chapter.refused_signer not in chapter.released_by and len(chapter.released_by) == 2
    assert "EscrowVerifierSuspended" in lines[-2] and "members suspended: [0]" in lines[-2]
    assert lines[-1].startswith("7. the two bonded verifiers sign the same intent and milestone 0 pays 500.00 USDC")


def test_demo_funding_chapter_matches_quadratically_releases_refunds_and_pays_the_contest(w3: Web3) -> None:
    from quiltkit.funding_demo import CONTEST_SCORES, PROJECTS, USDC, run_funding_chapter

    lines: list[str] = []
    chapter = run_funding_chapter(w3, say=lines.append)
    # Same money to docs (five donors) and the whale's pick (one donor): only the many are matched.
    assert chapter.donated == [125 * USDC, 125 * USDC, 48 * USDC, 20 * USDC]
    assert chapter.matched == [500 * USDC, 0, 96 * USDC, 0]  # (5 x sqrt 25)^2 - 125; (3 x sqrt 16)^2 - 48
    assert chapter.matched == chapter.expected, "the SDK's qf_match equals the contract"
    assert chapter.refused, "a donor without a badge is refused, nothing sent"
    assert chapter.released == 625 * USDC, "both docs milestones, by attestation"
    assert chapter.stream_total == 144 * USDC
    assert 72 * USDC <= chapter.streamed < 72 * USDC + USDC // 100, "half of 30 days (a few seconds more on anvil)"
    assert chapter.held == chapter.stream_total - chapter.streamed, "nothing but the unvested stream stays"
    assert chapter.refunded == 20 * USDC and chapter.pool_returned == 4 * USDC
    assert chapter.contest_paid == [1_000 * USDC * s // sum(CONTEST_SCORES) for s in CONTEST_SCORES]
    assert lines[1].startswith("1. FOUNDER_IDEA") and "executed by the Timelock" in lines[1]
    assert "RoundIneligibleDonor" in next(line for line in lines if line.startswith("3. "))
    table = next(line for line in lines if line.lstrip().startswith("project")).split("\n")
    assert [row.split()[0] for row in table[1:]] == [p.split()[0] for p in PROJECTS]
    assert table[1].split()[-2:] == ["500.00", "625.00"] and table[2].split()[-2:] == ["0.00", "125.00"]
    assert table[4].rstrip().endswith("refunded")
    assert "the SDK's qf_match gives the same integers: True" in lines[lines.index("\n".join(table)) + 1]
    assert "(score_allocation: True)" in lines[-2]
    assert lines[-1].startswith("the round now holds")
