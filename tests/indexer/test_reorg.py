"""Reorganisations on the real node: anvil_reorg (the last N blocks replaced) and anvil_rollback
(the last N blocks removed, new ones mined after), depths 1..10, each in the middle of a random
escrow workload. After every one the index equals the contract's views (verify), and at the end it
equals a fresh index of the final chain, log for log and escrow for escrow."""

from __future__ import annotations

from pathlib import Path

from quiltkit.indexer import IndexStore, Queries, verify

from tests.indexer.conftest import make_indexer, rng
from tests.indexer.workload import Workload
from tests.relayer.conftest import Chain


def _fresh_index(chain: Chain, path: Path) -> IndexStore:
    fresh = IndexStore(f"sqlite:///{path}")
    make_indexer(chain, fresh).sync()
    return fresh


def test_reorgs_of_depth_1_to_10_mid_workload_are_rolled_back_and_reapplied(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    store = any_store
    indexer = make_indexer(chain, store, reorg_window=32)
    workload = Workload(chain, rng(21))
    r = rng(22)
    depths = list(range(1, 11))
    r.shuffle(depths)
    rolled_back = 0
    for k, depth in enumerate(depths):
        workload.run(depth + r.randint(2, 6))  # the blocks the reorg will take away hold events
        indexer.sync()
        cursor = store.cursor()
        assert cursor is not None and cursor.number == chain.w3.eth.block_number
        if k % 2 == 0:
            answer = chain.w3.provider.make_request("anvil_reorg", [depth, []])  # type: ignore[arg-type]
        else:
            answer = chain.w3.provider.make_request("anvil_rollback", [depth])  # type: ignore[arg-type]
        assert "error" not in answer, answer
        workload.run(r.randint(1, 4))  # the new branch gets work of its own
        step = indexer.step()
        assert step.from_block <= cursor.number - depth + 1  # rolled back to at or below the fork
        rolled_back += step.rolled_back
        indexer.sync()
        assert Queries(store).status().reorgs == k + 1
        block, differences = verify(chain.w3, store, indexer.deployment)
        assert block == chain.w3.eth.block_number
        assert differences == [], f"after a depth-{depth} reorg: {differences}"
    assert rolled_back > 0  # the reorgs took indexed events away
    fresh = _fresh_index(chain, tmp_path / "fresh.db")
    try:
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        assert store.escrow_states() == fresh.escrow_states()
        assert store.credits() == fresh.credits()
        assert sorted(store.consumed_intents()) == sorted(fresh.consumed_intents())
    finally:
        fresh.dispose()


def test_a_reorg_below_the_confirmation_depth_is_never_seen(chain: Chain, store: IndexStore) -> None:
    indexer = make_indexer(chain, store, confirmations=4)
    workload = Workload(chain, rng(31))
    for _ in range(5):
        workload.run(6)
        indexer.sync()
        chain.w3.provider.make_request("anvil_reorg", [3, []])  # type: ignore[arg-type]
        workload.run(2)
        indexer.sync()
    assert Queries(store).status().reorgs == 0
    assert verify(chain.w3, store, indexer.deployment)[1] == []
