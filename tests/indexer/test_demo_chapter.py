"""`make demo`'s indexer chapter: the story's escrow indexed, queried and verified on its chain."""

from __future__ import annotations

from quiltkit.demo import run_story
from quiltkit.governance_demo import run_governance_chapter
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


def test_given_the_dao_the_demo_chapter_also_shows_its_proposals_from_their_events(chain: Chain) -> None:
    story = run_story(chain.w3, say=lambda _line: None)
    dao = run_governance_chapter(chain.w3, say=lambda _line: None)
    lines: list[str] = []
    demo_chapter(chain.w3, story.escrow, story.token, lines.append, contracts={"QuiltkitGovernor": dao.governor})
    text = "\n".join(lines)
    assert "the story's escrow and the DAO's proposals" in lines[0]
    # the founder idea: against 20, for 30 in square roots of tokens, open (its vote still running)
    assert "founder_idea proposal: open; for 30.00, against 20.00, abstain 0.00 (square roots of tokens" in text
    assert text.count("help_request proposal: executed") >= 1
    assert lines[-1].startswith("verify: every indexed escrow equals getEscrow, every proposal its governor's views")


def test_given_the_staking_chapter_the_demo_chapter_shows_its_stakes_and_bonds(chain: Chain) -> None:
    from quiltkit.staking_demo import run_staking_chapter

    story = run_story(chain.w3, say=lambda _line: None)
    staked = run_staking_chapter(chain.w3, say=lambda _line: None)
    lines: list[str] = []
    contracts = {"QuiltkitStaking": staked.staking, "VerifierBonds": staked.bonds}
    demo_chapter(chain.w3, story.escrow, story.token, lines.append, contracts=contracts)
    text = "\n".join(lines)
    assert text.count("  stake 0x") == 3  # the chapter's three stakers
    assert text.count("  reward token 0x") == 2 and "to 3 stakers" in text  # USDC and the DAO's token
    assert text.count("  bond 0x") == 3
    assert f"slashed {staked.slashed / 10**18:,.2f}" in text
    assert lines[-1].startswith("verify: every indexed escrow equals getEscrow, every stake and bond")
