"""The governance projection on anvil: proposals and votes folded from QuiltkitGovernor's events
after a random workload equal the governor's views (verify), the typed queries filter and page,
and reorgs of depths 1..6 in the middle of the workload roll proposals and votes back and
re-apply them (SQLite and PostgreSQL), ending equal to a fresh index of the final chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.exceptions import InvalidInput
from quiltkit.governance import ProposalType
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore, ProposalStatus, Queries, verify
from quiltkit.indexer.proposals import proposal_rows, vote_rows

from tests.indexer.conftest import reorgs_mid_workload, rng
from tests.indexer.governance_workload import GovernanceWorkload
from tests.relayer.conftest import Chain


def _indexer(chain: Chain, work: GovernanceWorkload, store: IndexStore, **options: int) -> Indexer:
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={
            "MilestoneEscrow": ContractRef(address=chain.escrow.address, start_block=0),
            "QuiltkitGovernor": ContractRef(address=work.governor.address, start_block=0),
        },
    )
    indexer = Indexer(chain.w3, deployment, store, **options)
    indexer.prepare()
    return indexer


def test_proposals_and_votes_equal_the_governor_after_a_random_workload(chain: Chain, store: IndexStore) -> None:
    work = GovernanceWorkload(chain, rng(41))
    work.run(80)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == []
    for action in ("propose", "vote", "queue", "execute", "cancel"):
        assert work.done.get(action, 0) >= 1, sorted(work.done.items())
    q = Queries(store)
    every = q.proposals(limit=1_000).items
    assert len(every) == len(work.proposals) == q.status().proposals
    for p in every:
        tally = work.gov.tally(p.proposal_id)
        assert (p.for_votes, p.against_votes, p.abstain_votes) == (tally.for_, tally.against, tally.abstain)
        assert p.quadratic is (p.kind is ProposalType.FOUNDER_IDEA)
        votes = q.votes(proposal_id=p.proposal_id).items
        assert len(votes) == p.voters
        assert sum(v.weight for v in votes) == p.for_votes + p.against_votes + p.abstain_votes
    founder = q.proposals(kind="founder_idea").items
    assert all(p.kind is ProposalType.FOUNDER_IDEA for p in founder)
    voted = [p for p in founder if p.voters]
    if voted:  # quadratic: a counted weight is the square root of the voter's tokens, far below them
        assert all(v.weight < 10**12 for v in q.votes(proposal_id=voted[0].proposal_id).items)
    for status in ProposalStatus:
        assert all(p.status is status for p in q.proposals(status=status).items)
    first = q.proposals(limit=2)
    assert len(first.items) == min(2, len(every))
    if first.next_offset is not None:
        assert q.proposals(offset=first.next_offset, limit=2).items[0] == every[2]
    theirs = q.votes(voter=work.holders[1].address).items
    expected = [
        v for p in every for v in q.votes(proposal_id=p.proposal_id).items if v.voter == work.holders[1].address
    ]
    assert sorted(theirs, key=lambda v: v.proposal_id) == sorted(expected, key=lambda v: v.proposal_id)
    with pytest.raises(InvalidInput):
        q.proposals(kind="nonsense")
    with pytest.raises(InvalidInput):
        q.proposals(status="nonsense")


def test_reorgs_mid_governance_workload_roll_proposals_and_votes_back(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    store = any_store
    work = GovernanceWorkload(chain, rng(51))
    work.run(10)
    indexer = _indexer(chain, work, store, reorg_window=32)
    assert reorgs_mid_workload(chain, indexer, work, [3, 1, 6, 2, 5, 4], seed=52) > 0
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _indexer(chain, work, fresh).sync()
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        assert proposal_rows(store) == proposal_rows(fresh)
        assert sorted(vote_rows(store)) == sorted(vote_rows(fresh))
    finally:
        fresh.dispose()


def test_cli_queries_proposals_and_votes_and_refuses_a_bad_filter_in_one_line(chain: Chain, tmp_path: Path) -> None:
    work = GovernanceWorkload(chain, rng(61))
    work.run(30)
    db = f"sqlite:///{tmp_path / 'gov-cli.db'}"
    cli_store = IndexStore(db)
    try:
        _indexer(chain, work, cli_store).sync()
        expected = Queries(cli_store).proposals(limit=1_000).items
    finally:
        cli_store.dispose()
    runner = CliRunner()
    page = json.loads(
        runner.invoke(main, ["index", "query", "proposals", "--database-url", db, "--limit", "1000"]).output
    )
    assert [p["proposal_id"] for p in page["items"]] == [p.proposal_id for p in expected]
    voted = next(p for p in expected if p.voters)
    votes = json.loads(
        runner.invoke(
            main, ["index", "query", "votes", "--database-url", db, "--proposal", str(voted.proposal_id)]
        ).output
    )
    assert len(votes["items"]) == voted.voters
    for args in (["--kind", "nonsense"], ["--status", "passed"], ["--proposer", "0x12"]):
        result = runner.invoke(main, ["index", "query", "proposals", "--database-url", db, *args])
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
