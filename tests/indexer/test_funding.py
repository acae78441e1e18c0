"""The funding-round projection on anvil: rounds the factory creates are followed as child
contracts (their logs in the range of their creation included, persisted across a restart), a
random workload's rounds, projects, donations, matches and releases equal the rounds' views
(verify), the typed queries filter and page as the chain says, and reorgs of depths 1..6 in the
middle of the workload (one of them removing a round's creation) roll them back and re-apply them
on SQLite and PostgreSQL, ending equal to a fresh index of the final chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.devchain import mine
from quiltkit.exceptions import InvalidInput
from quiltkit.funding import LeaderboardEntry, Phase, RoundParams, Strategy, score_allocation
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore, Queries, verify
from quiltkit.indexer import schema as t
from quiltkit.indexer.funding import round_states
from quiltkit.intents import VerifierSignature
from sqlalchemy import update

from tests.indexer.conftest import rng
from tests.indexer.funding_workload import FINNEY, FundingWorkload
from tests.relayer.conftest import Chain


def _indexer(chain: Chain, work: FundingWorkload, store: IndexStore, **options: int) -> Indexer:
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={
            "MilestoneEscrow": ContractRef(address=chain.escrow.address, start_block=0),
            "FundingRoundFactory": ContractRef(address=work.factory.address, start_block=0),
        },
    )
    indexer = Indexer(chain.w3, deployment, store, **options)
    indexer.prepare()
    return indexer


def test_rounds_equal_the_chain_after_a_random_workload(chain: Chain, store: IndexStore) -> None:
    work = FundingWorkload(chain, rng(61))
    work.run(180)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == []
    actions = ("create round", "register", "donate", "fund pool", "finalize", "release", "refund")
    for action in (*actions, "claim stream", "stop stream", "return unreleased", "pause"):
        assert work.done.get(action, 0) >= 1, sorted(work.done.items())
    q = Queries(store)
    rounds = q.rounds(limit=1_000).items
    assert [r.round for r in rounds] == [r.address for r in work.rounds]
    assert q.status().rounds == len(rounds) == work.factory.round_count()
    assert set(indexer.children) == {r.address for r in work.rounds}
    for r, client in zip(rounds, work.rounds, strict=True):
        state = client.state()
        assert (r.phase, r.pool_total, r.pool_matched) == (state.phase, state.total, state.matched)
        assert r.metadata_uri.startswith("ipfs://round-")
        projects = q.projects(round=r.round).items
        assert [p.project_id for p in projects] == list(range(client.project_count()))
        for p in projects:
            info = client.get_project(p.project_id)
            assert (p.donated, p.matched, p.settled_mask) == (info.donated, info.matched, info.settled_mask)
            donations = q.donations(round=r.round, project_id=p.project_id).items
            assert len(donations) == p.donors
            assert sum(d.amount for d in donations) == p.donated
            for d in donations:
                assert (d.amount, d.refunded) == client.donation_of(p.project_id, d.donor)
    assert any(r.phase is Phase.FINALIZED for r in rounds)
    assert any(p.matched for p in q.projects(limit=1_000).items)
    donor = work.donors[0].address
    theirs = q.donations(donor=donor, limit=1_000).items
    assert theirs and all(d.donor == donor for d in theirs)
    every = q.donations(limit=1_000).items
    assert sorted(theirs, key=str) == sorted([d for d in every if d.donor == donor], key=str)
    first = q.donations(limit=2)
    assert first.next_offset == 2 and q.donations(offset=2, limit=2).items[0] == every[2]
    assert all(r.phase is Phase.FINALIZED for r in q.rounds(phase="finalized").items)
    with pytest.raises(InvalidInput):
        q.rounds(phase="nonsense")
    with pytest.raises(InvalidInput):
        q.donations(round="not an address")
    # verify can fail: one donation off by one wei in the index is reported, and only it
    d = every[0]
    c = t.funding_donations.c
    with store._tx() as conn:
        conn.execute(
            update(t.funding_donations)
            .where(c.round == d.round, c.project_id == str(d.project_id), c.donor == d.donor)
            .values(amount=str(d.amount + 1))
        )
    (diff,) = verify(chain.w3, store, indexer.deployment)[1]
    assert (diff.field, diff.indexed, diff.on_chain) == ("amount", d.amount + 1, d.amount)


def test_a_round_created_mid_range_is_followed_from_its_creation_and_after_a_restart(
    chain: Chain, index_url: str
) -> None:
    work = FundingWorkload(chain, rng(62))
    store = IndexStore(index_url)
    try:
        indexer = _indexer(chain, work, store, initial_range=10_000)
        indexer.sync()
        mine(chain.w3, 3)
        r = work.create_round()  # its RoundInitialized and first logs lie inside the next range
        pid = r.register_project(work.recipients[0].address, FINNEY, [FINNEY], sender=work.curator)
        r.donate(pid, 2 * FINNEY, sender=work.donors[0])
        mine(chain.w3, 2)
        r.fund_pool(5 * FINNEY, sender=work.donors[1])
        before = indexer.store.cursor()
        assert before is not None
        indexer.sync()
        assert indexer.store.cursor().number == chain.w3.eth.block_number  # type: ignore[union-attr]
        assert verify(chain.w3, store, indexer.deployment)[1] == []
        (row,) = Queries(store).rounds().items
        assert (row.round, row.project_count, row.pool_total) == (r.address, 1, 5 * FINNEY)
        assert Queries(store).donations(round=r.address).items[0].amount == 2 * FINNEY
        runner, db = CliRunner(), ["--database-url", index_url]
        queries = (
            ("rounds", ["--limit", "5"], "round", r.address),
            ("projects", ["--round", r.address], "project_id", pid),
        )
        for what, options, key, expected in queries:
            out = runner.invoke(main, ["index", "query", what, *db, *options])
            assert out.exit_code == 0, out.output
            assert [x[key] for x in json.loads(out.output)["items"]] == [expected]
        out = runner.invoke(main, ["index", "query", "donations", *db, "--donor", work.donors[0].address])
        assert json.loads(out.output)["items"][0]["amount"] == 2 * FINNEY
        for bad in (["rounds", "--phase", "closed"], ["donations", "--round", "0x12"], ["projects", "--limit", "0"]):
            out = runner.invoke(main, ["index", "query", *bad, *db])
            lines = [line for line in out.output.splitlines() if line.strip()]
            assert out.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), (bad, out.output)
    finally:
        store.dispose()
    store = IndexStore(index_url)  # a new process: the round is reloaded from the database
    try:
        restarted = _indexer(chain, work, store)
        assert r.address in restarted.children
        r.donate(pid, 3 * FINNEY, sender=work.donors[0])
        restarted.sync()
        assert Queries(store).donations(round=r.address).items[0].amount == 5 * FINNEY
        assert verify(chain.w3, store, restarted.deployment)[1] == []
    finally:
        store.dispose()


def test_reorgs_mid_funding_workload_roll_rounds_back(chain: Chain, any_store: IndexStore, tmp_path: Path) -> None:
    store = any_store
    work = FundingWorkload(chain, rng(71))
    work.run(15)
    indexer = _indexer(chain, work, store, reorg_window=32)
    r = rng(72)
    rolled_back = 0
    for k, depth in enumerate([3, 1, 6, 2, 5, 4]):
        work.run(depth + r.randint(2, 5))
        if k == 2:  # a round created inside the blocks the reorg removes
            work.create_round()
        indexer.sync()
        method, params = ("anvil_reorg", [depth, []]) if k % 2 == 0 else ("anvil_rollback", [depth])
        answer = chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        assert "error" not in answer, answer
        if k == 2:
            gone = work.rounds[-1]
            assert not work.factory.is_round(gone.address)
        work.run(r.randint(1, 3))
        rolled_back += indexer.step().rolled_back
        indexer.sync()
        assert verify(chain.w3, store, indexer.deployment)[1] == [], f"after a depth-{depth} {method}"
        if k == 2:
            assert gone.address not in indexer.children
            assert gone.address not in store.children()
            assert gone.address not in round_states(store)
    assert rolled_back > 0
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        fresh_indexer = _indexer(chain, work, fresh)
        fresh_indexer.sync()
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        assert round_states(store) == round_states(fresh)
        assert store.children() == fresh.children()
    finally:
        fresh.dispose()


def test_a_score_round_s_signed_leaderboard_is_projected_as_allocations(chain: Chain, store: IndexStore) -> None:
    work = FundingWorkload(chain, rng(63))
    now = chain.now()
    verifiers = chain.verifiers
    params = RoundParams(
        curator=work.curator.address,
        strategy=Strategy.SCORE,
        application_end=now + 10,
        donation_start=now,
        donation_end=now + 100,
        release_deadline=now + 1_000,
        verifiers=[v.address for v in verifiers],
        threshold=2,
    )
    r = work.factory.create_round(params, b"\x07" * 32, "ipfs://contest", sender=work.curator)
    pool = 20 * FINNEY + 7
    r.fund_pool(pool, sender=work.donors[0])
    entries = [
        LeaderboardEntry(recipient=a.address, score=s) for a, s in zip(work.recipients, (50, 30, 17), strict=True)
    ]
    sigs = [VerifierSignature(verifier_index=i, signature=r.sign_leaderboard(entries, verifiers[i])) for i in (0, 2)]
    work.advance(101)
    r.submit_leaderboard(entries, [v.address for v in verifiers], sigs, sender=work.curator)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    state = round_states(store)[r.address]
    expected = score_allocation([e.score for e in entries], pool)
    assert [(a["recipient"], a["score"], a["amount"]) for a in state.allocations] == [
        (e.recipient, e.score, amount) for e, amount in zip(entries, expected, strict=True)
    ]
    assert [r.owed_of(e.recipient) for e in entries] == expected
    (row,) = Queries(store).rounds(phase="finalized").items
    assert (row.strategy, row.pool_matched, row.pool_returned) == (Strategy.SCORE, sum(expected), pool - sum(expected))


def test_rounds_created_inside_a_range_read_ahead_are_followed(chain: Chain, store: IndexStore, tmp_path: Path) -> None:
    """Backfilling in small ranges reads the next range ahead; a range that turns out to create a
    round makes the step read that round's logs itself and read nothing ahead (the prefetched
    address list would lack the round), so the index equals one built with one large range."""
    work = FundingWorkload(chain, rng(64))
    work.run(60)
    indexer = _indexer(chain, work, store, initial_range=2, max_range=2, reorg_window=3)
    from_prefetch: list[bool] = []
    found_in_prefetched: list[str] = []
    take, find = indexer._take_prefetch, indexer._new_children

    def spy_take(first: int, target: int) -> tuple[int, list[dict[str, Any]]] | None:
        got = take(first, target)
        from_prefetch.append(got is not None)
        return got

    def spy_find(raw_logs: list[dict[str, Any]], last: int) -> list[tuple[str, str, str, int]]:
        children = find(raw_logs, last)
        if from_prefetch and from_prefetch[-1]:
            found_in_prefetched.extend(c[0] for c in children)
        return children

    indexer._take_prefetch = spy_take  # type: ignore[method-assign]
    indexer._new_children = spy_find  # type: ignore[method-assign]
    indexer.sync()
    assert sum(from_prefetch) > 10 and found_in_prefetched, (sum(from_prefetch), found_in_prefetched)
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    wide = IndexStore(f"sqlite:///{tmp_path / 'wide.db'}")
    try:
        _indexer(chain, work, wide, initial_range=100_000).sync()
        assert sorted(store.event_keys()) == sorted(wide.event_keys())
        assert Queries(store).rounds(limit=1_000) == Queries(wide).rounds(limit=1_000)
        assert Queries(store).donations(limit=1_000) == Queries(wide).donations(limit=1_000)
    finally:
        wide.dispose()
