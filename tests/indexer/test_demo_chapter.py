"""`make demo`'s indexer chapter: the story's escrow indexed, queried and verified on its chain."""

from __future__ import annotations

from quiltkit.demo import run_story
from quiltkit.indexer.demo import demo_chapter

from tests.relayer.conftest import Chain


def test_the_demo_chapter_shows_the_story_escrow_from_its_events(chain: Chain) -> None:
    story = run_story(chain.w3, say=lambda _line: None)
    lines: list[str] = []
    demo_chapter(chain.w3, story.escrow, story.token, lines.append)
    text = "\n".join(lines)
    assert "escrow 1: refunding; milestones released, resolved, refunded; held 0" in text
    assert "EscrowCreated -> EscrowFunded" in text and "-> RefundsOpened -> RefundClaimed" in text
    assert lines[-1].startswith("verify: every indexed escrow equals getEscrow at block ")
