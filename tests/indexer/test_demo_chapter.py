"""`make demo`'s indexer chapter: the story's escrow indexed, queried and verified on its chain."""

from __future__ import annotations

from quiltkit.auction_demo import run_auction_chapter
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


def test_given_the_dao_and_the_house_the_demo_chapter_shows_proposals_and_auctions_too(chain: Chain) -> None:
    story = run_story(chain.w3, say=lambda _line: None)
    dao = run_governance_chapter(chain.w3, say=lambda _line: None)
    sale = run_auction_chapter(chain.w3, say=lambda _line: None)
    lines: list[str] = []
    contracts = {"QuiltkitGovernor": dao.governor, "AuctionHouse": sale.house}
    demo_chapter(chain.w3, story.escrow, story.token, lines.append, contracts=contracts)
    text = "\n".join(lines)
    assert "the story's escrow, the patent auction and the DAO's proposals" in lines[0]
    assert "1 escrow, 3 proposals, 1 auction" in lines[1]
    assert "auction 1: sold to " in text and " after 4 bids (3 late-bid extensions)" in text
    # the founder idea: against 20, for 30 in square roots of tokens, open (its vote still running)
    assert "founder_idea proposal: open; for 30.00, against 20.00, abstain 0.00 (square roots of tokens" in text
    assert text.count("help_request proposal: executed") >= 1
    assert lines[-1].startswith(
        "verify: every indexed escrow equals getEscrow, every proposal its governor's views, "
        "every auction its get_auction"
    )


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
    assert text.count("  suspended in 0x") == 1 and "members [0] of set 0x" in text  # the slashed verifier
    assert lines[-1].endswith(
        f"every pushed suspension the registry's SuspensionsPushed log at block {lines[-1].split()[-1]}"
    )
    assert lines[-1].startswith("verify: every indexed escrow equals getEscrow, every stake and bond")
