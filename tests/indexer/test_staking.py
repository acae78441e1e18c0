"""The staking and bonds projections on anvil: stakes, reward claims, reward tokens, bonds,
minimum bonds and the suspensions pushed into MilestoneEscrows folded from QuiltkitStaking's and
VerifierBonds' events after a random workload equal the contracts' views and the registry's push
log (verify), the typed queries filter and page as the chain says, a corrupted row is reported,
and reorgs of depths 1..7 in the middle of the workload, and one through a push, roll every
object back and re-apply it (SQLite and PostgreSQL), ending equal to a fresh index of the final
chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.escrow import verifier_set_hash
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore, Queries, verify
from quiltkit.indexer import schema as t
from quiltkit.indexer.staking import bond_rows, minimum_rows, reward_token_rows, stake_rows, suspension_rows
from quiltkit.tokens import Token
from sqlalchemy import delete, update

from tests.indexer.conftest import reorgs_mid_workload, rng
from tests.indexer.staking_workload import UNIT, StakingWorkload
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
        "slash", "minimum", "push",
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
    assert minimums == {"0x" + s.hex(): work.bonds.minimum_bond(s) for s in work.sets if "0x" + s.hex() in minimums}
    assert minimums, "the workload set at least one minimum"
    for set_id in work.sets:
        counting = {b.verifier for b in q.bonds(set=set_id, limit=1_000).items}
        assert counting == {v.address for v in work.verifiers if work.bonds.counts(set_id, v.address)}
        one = work.verifiers[0].address
        assert [b.verifier for b in q.bonds(verifier=one, set=set_id).items] == ([one] if one in counting else [])

    suspensions = q.suspensions(limit=1_000).items
    pairs = {(c.address, verifier_set_hash(m).lower()): m for c in work.consumers for m in work.member_sets}
    assert suspensions and {(s.consumer, s.set_id) for s in suspensions} <= pairs.keys()
    for s in suspensions:  # each equals the consumer's latest push as the SDK reads it
        recorded = work.bonds.recorded_suspensions(s.consumer, pairs[(s.consumer, s.set_id)])
        assert (s.suspended, s.members, s.contract) == (recorded.suspended, recorded.members, work.bonds.address)
        assert s.suspended == sum(1 << i for i in s.members) and s.pushes >= 1
        assert q.suspensions(consumer=s.consumer, set=s.set_id).items == [s]
    assert q.status().objects["suspensions"] == len(suspensions)
    assert q.suspensions(suspended_only=True).items == [s for s in suspensions if s.suspended]
    for c in work.consumers:
        assert q.suspensions(consumer=c.address.lower()).items == [s for s in suspensions if s.consumer == c.address]

    for bad in (
        lambda: q.stakes(account="0x12"),
        lambda: q.bonds(set="0xzz"),
        lambda: q.bonds(verifier="nope"),
        lambda: q.suspensions(consumer="0x12"),
        lambda: q.suspensions(set="0x" + "0" * 63),
    ):
        with pytest.raises(InvalidInput):
            bad()
    with pytest.raises(InvalidInput):
        q.rewards(token="0x12")
    with pytest.raises(InvalidInput):
        q.stakes(limit=0)


def test_migration_i0008_creates_exactly_the_declared_suspensions_table(any_store: IndexStore) -> None:
    any_store.migrate()
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert [d for d in diff if "qx_bond_suspensions" in repr(d)] == []
    assert any_store.schema_revision() == "i0008"


def test_verify_reports_a_stake_or_bond_the_index_got_wrong(chain: Chain, store: IndexStore) -> None:
    work = StakingWorkload(chain, rng(73))
    work.run(40)
    # a token sent to the pool by mistake and recovered: an UnallocatedRecovered, not a reward token
    stray = Token.deploy_test_token(chain.w3, work.operator, "Stray", "STR", 18)
    stray.mint(work.pool.address, 5 * UNIT, sender=work.operator)
    work.pool.recover_unallocated(stray.address, work.operator.address, sender=work.operator)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    assert reward_token_rows(store)[stray.address].recovered == 5 * UNIT
    assert stray.address not in {r.token for r in Queries(store).rewards().items}
    account = next(iter(stake_rows(store)))
    verifier = next(iter(bond_rows(store)))
    with store.engine.begin() as conn:
        conn.execute(update(t.stakes).where(t.stakes.c.account == account).values(staked="1"))
        conn.execute(update(t.bonds).where(t.bonds.c.verifier == verifier).values(ready_at=12345))
    found = {(d.object, d.field) for d in verify(chain.w3, store, indexer.deployment)[1]}
    assert (f"stake {account}", "staked") in found
    assert (f"bond {verifier}", "(active, unbonding, ready at)") in found
    assert any(field == "total staked" for _, field in found)


def test_a_slashed_member_is_indexed_suspended_in_the_escrow_and_reinstated_after_a_new_push(
    chain: Chain, store: IndexStore
) -> None:
    """A member of a set with a minimum is slashed below it and the registry pushes the suspension
    into a MilestoneEscrow: the index lists it suspended there; it bonds again and is still
    suspended (the escrow holds what was pushed) until a second push reinstates it. verify reads
    the registry's push log; a corrupted bitmap and a deleted row are reported."""
    work = StakingWorkload(chain, rng(75))
    escrow, members = work.consumers[0].address, work.member_sets[0]
    set_id = verifier_set_hash(members).lower()
    first = work.suspend_first_member()
    indexer = _indexer(chain, work, store)
    indexer.sync()
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    q = Queries(store)
    [row] = q.suspensions().items
    assert (row.contract, row.consumer, row.set_id) == (work.bonds.address, escrow, set_id)
    assert (row.suspended, row.members, row.pushes, row.updated_block) == (1, [0], 1, first)
    assert q.suspensions(suspended_only=True).items == [row]

    work.bonds.bond(50 * UNIT, sender=work.verifiers[0])  # counts again, but nobody pushed yet
    indexer.sync()
    assert work.bonds.suspensions_of(members).members == []
    assert q.suspensions(set=set_id).items == [row], "the escrow still holds the pushed bitmap"
    second = work._push(escrow, members)
    indexer.sync()
    [row] = q.suspensions(consumer=escrow).items
    assert (row.suspended, row.members, row.pushes, row.updated_block) == (0, [], 2, second)
    assert row.members == work.bonds.recorded_suspensions(escrow, members).members
    assert q.suspensions(suspended_only=True).items == []
    assert q.suspensions(consumer=work.consumers[1].address).items == []
    assert verify(chain.w3, store, indexer.deployment)[1] == []

    name = f"suspensions {escrow} set {set_id}"
    field = "(suspended, block of last push)"
    with store.engine.begin() as conn:
        conn.execute(update(t.bond_suspensions).values(suspended="3"))
    assert [(d.object, d.field, d.indexed) for d in verify(chain.w3, store, indexer.deployment)[1]] == [
        (name, field, (3, second))
    ]
    with store.engine.begin() as conn:
        conn.execute(delete(t.bond_suspensions))
    assert [(d.object, d.indexed, d.on_chain) for d in verify(chain.w3, store, indexer.deployment)[1]] == [
        (name, None, (0, second))
    ]


def test_a_reorg_through_a_push_rolls_the_suspension_back(chain: Chain, any_store: IndexStore, tmp_path: Path) -> None:
    """The push that suspended a member is reorganised away: its row goes (no other push of that
    set), a push on the new branch comes back, and the index equals a fresh one."""
    store = any_store
    work = StakingWorkload(chain, rng(77))
    indexer = _indexer(chain, work, store, reorg_window=32)
    first = work.suspend_first_member()
    indexer.sync()
    assert [s.updated_block for s in Queries(store).suspensions().items] == [first]
    depth = chain.w3.eth.block_number - first + 1
    answer = chain.w3.provider.make_request("anvil_reorg", [depth, []])  # type: ignore[arg-type]
    assert "error" not in answer, answer
    assert indexer.step().rolled_back >= 1
    indexer.sync()
    assert Queries(store).suspensions().items == []
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    again = work._push(work.consumers[0].address, work.member_sets[0])
    indexer.sync()
    [row] = Queries(store).suspensions().items
    assert (row.members, row.pushes, row.updated_block) == (
        work.bonds.suspensions_of(work.member_sets[0]).members,
        1,
        again,
    )
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _indexer(chain, work, fresh).sync()
        assert suspension_rows(store) == suspension_rows(fresh)
    finally:
        fresh.dispose()


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
        assert work.done.get("push", 0) >= 1, str(sorted(work.done.items()))
        for rows in (stake_rows, reward_token_rows, bond_rows, minimum_rows, suspension_rows):
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
        suspensions = q.suspensions(limit=1_000).items
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
    assert query("suspensions", "--limit", "1000")["items"] == [json.loads(s.model_dump_json()) for s in suspensions]
    assert suspensions, "the workload pushed"
    one_push = suspensions[0]
    picked = query("suspensions", "--consumer", one_push.consumer, "--set", one_push.set_id)["items"]
    assert [(s["consumer"], s["set_id"], s["members"]) for s in picked] == [
        (one_push.consumer, one_push.set_id, one_push.members)
    ]
    for args in (
        ["stakes", "--account", "0x12"],
        ["bonds", "--set", "0x12"],
        ["rewards", "--token", "x"],
        ["suspensions", "--consumer", "0x12"],
        ["suspensions", "--set", "0x12"],
    ):
        result = runner.invoke(main, ["index", "query", *args, "--database-url", db])
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
