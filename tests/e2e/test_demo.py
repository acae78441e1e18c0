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
