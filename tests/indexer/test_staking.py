"""The staking and bonds projections on anvil: stakes, reward claims, reward tokens, bonds and
minimum bonds folded from QuiltkitStaking's and VerifierBonds' events after a random workload
equal the contracts' views (verify), the typed queries filter and page as the chain says, a
corrupted row is reported, and reorgs of depths 1..7 in the middle of the workload roll every
object back and re-apply it (SQLite and PostgreSQL), ending equal to a fresh index of the final
chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore, Queries, verify
from quiltkit.indexer import schema as t
from quiltkit.indexer.staking import bond_rows, minimum_rows, reward_token_rows, stake_rows
from sqlalchemy import update

from tests.indexer.conftest import reorgs_mid_workload, rng
from tests.indexer.staking_workload import SETS, StakingWorkload
from tests.relayer.conftest import Chain


def _indexer(chain: Chain, work: StakingWorkload, store: IndexStore, **options: int) -> Indexer:
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={
            "MilestoneEscrow": ContractRef(address=chain.escrow.address, start_block=0),
            "QuiltkitStaking": ContractRef(address=work.pool.address, start_block=0),
            "VerifierBonds": ContractRef(address=work.bonds.address, start_block=0),
        },
    )
    indexer = Indexer(chain.w3, deployment, store, **options)
    indexer.prepare()
    return indexer


def test_stakes_rewards_and_bonds_equal_the_contracts_after_a_random_workload(chain: Chain, store: IndexStore) -> None:
    work = StakingWorkload(chain, rng(71))
    work.run(140)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == []
    for action in (
        "stake", "unstake", "withdraw", "claim", "notify", "cooldown", "bond", "unbond", "withdraw_unbonded",
        "slash", "minimum",
    ):  # fmt: skip
        assert work.done.get(action, 0) >= 1, (action, str(sorted(work.done.items())))
    q = Queries(store)

    stakes = q.stakes(limit=1_000).items
    assert {s.account for s in stakes} <= {a.address for a in work.stakers}
    assert len(stakes) >= 3
    for s in stakes:
        assert s.staked == work.pool.stake_of(s.account)
        pending = work.pool.pending_unstake(s.account)
        assert (s.queued, s.ready_at) == (pending.amount, pending.ready_at)
        assert s.rewards_paid == {tok: paid for (acc, tok), paid in work.paid.items() if acc == s.account}
        assert q.stakes(account=s.account).items == [s]
        assert s.staked_total - s.unstaked_total == s.staked + s.queued  # nothing else moves a stake
    assert q.status().stakes == len(stakes)
    assert all(s.queued > 0 for s in q.stakes(queued=True).items)
    assert all(s.queued == 0 for s in q.stakes(queued=False).items)
    first = q.stakes(limit=2)
    assert first.items == stakes[:2] and first.next_offset == 2
    assert q.stakes(offset=2, limit=2).items == stakes[2:4]

    tokens = q.rewards().items
    assert [r.token for r in tokens] == work.pool.reward_tokens()
    for r in tokens:
        data = work.pool.reward_data(r.token)
        assert (r.rate, r.period_finish) == (data.rate, data.period_finish)
        assert r.paid == sum(p for (_, tok), p in work.paid.items() if tok == r.token)
        assert r.claimants == len({acc for (acc, tok) in work.paid if tok == r.token})
        assert q.rewards(token=r.token).items == [r]
        assert r.paid <= r.notified

    bonds = q.bonds(limit=1_000).items
    assert {b.verifier for b in bonds} == {v.address for v in work.verifiers}
    for b in bonds:
        on_chain = work.bonds.bond_of(b.verifier)
        assert (b.active, b.unbonding, b.ready_at) == (on_chain.active, on_chain.unbonding, on_chain.ready_at)
        assert b.slashed_total == work.slashed.get(b.verifier, 0)
        assert b.bonded_total - b.withdrawn_total - b.slashed_total == b.active + b.unbonding
    assert q.status().bonds == len(bonds)
    minimums = {m.set_id: m.minimum for m in q.bond_minimums().items}
    assert minimums == {"0x" + s.hex(): work.bonds.minimum_bond(s) for s in SETS if "0x" + s.hex() in minimums}
    assert minimums, "the workload set at least one minimum"
    for set_id in SETS:
        counting = {b.verifier for b in q.bonds(set=set_id, limit=1_000).items}
        assert counting == {v.address for v in work.verifiers if work.bonds.counts(set_id, v.address)}
        one = work.verifiers[0].address
        assert [b.verifier for b in q.bonds(verifier=one, set=set_id).items] == ([one] if one in counting else [])

    for bad in (lambda: q.stakes(account="0x12"), lambda: q.bonds(set="0xzz"), lambda: q.bonds(verifier="nope")):
        with pytest.raises(InvalidInput):
            bad()
    with pytest.raises(InvalidInput):
        q.rewards(token="0x12")
    with pytest.raises(InvalidInput):
        q.stakes(limit=0)


def test_verify_reports_a_stake_or_bond_the_index_got_wrong(chain: Chain, store: IndexStore) -> None:
    work = StakingWorkload(chain, rng(73))
    work.run(40)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    account = next(iter(stake_rows(store)))
    verifier = next(iter(bond_rows(store)))
    with store.engine.begin() as conn:
        conn.execute(update(t.stakes).where(t.stakes.c.account == account).values(staked="1"))
        conn.execute(update(t.bonds).where(t.bonds.c.verifier == verifier).values(ready_at=12345))
    found = {(d.object, d.field) for d in verify(chain.w3, store, indexer.deployment)[1]}
    assert (f"stake {account}", "staked") in found
    assert (f"bond {verifier}", "(active, unbonding, ready at)") in found
    assert any(field == "total staked" for _, field in found)


def test_reorgs_mid_staking_workload_roll_stakes_rewards_and_bonds_back(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    store = any_store
    work = StakingWorkload(chain, rng(81))
    work.run(12)
    indexer = _indexer(chain, work, store, reorg_window=32)
    assert reorgs_mid_workload(chain, indexer, work, [3, 1, 7, 2, 5], seed=82) > 0
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _indexer(chain, work, fresh).sync()
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        for rows in (stake_rows, reward_token_rows, bond_rows, minimum_rows):
            assert rows(store) == rows(fresh), rows.__name__
    finally:
        fresh.dispose()


def test_cli_queries_stakes_rewards_and_bonds_and_refuses_a_bad_filter_in_one_line(
    chain: Chain, tmp_path: Path
) -> None:
    work = StakingWorkload(chain, rng(91))
    work.run(50)
    db = f"sqlite:///{tmp_path / 'staking-cli.db'}"
    cli_store = IndexStore(db)
    try:
        _indexer(chain, work, cli_store).sync()
        q = Queries(cli_store)
        stakes, rewards, bonds = q.stakes(limit=1_000).items, q.rewards().items, q.bonds(limit=1_000).items
    finally:
        cli_store.dispose()
    runner = CliRunner()

    def query(*args: str) -> Any:
        result = runner.invoke(main, ["index", "query", *args, "--database-url", db])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert [s["account"] for s in query("stakes", "--limit", "1000")["items"]] == [s.account for s in stakes]
    one = stakes[0]
    assert query("stakes", "--account", one.account)["items"][0]["staked"] == one.staked
    assert [r["token"] for r in query("rewards")["items"]] == [r.token for r in rewards]
    assert [b["verifier"] for b in query("bonds", "--limit", "1000")["items"]] == [b.verifier for b in bonds]
    for args in (["stakes", "--account", "0x12"], ["bonds", "--set", "0x12"], ["rewards", "--token", "x"]):
        result = runner.invoke(main, ["index", "query", *args, "--database-url", db])
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
