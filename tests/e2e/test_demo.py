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
