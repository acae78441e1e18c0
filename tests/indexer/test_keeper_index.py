"""The relayer's keeper reads due refunds from the index (keeper.index_database_url): candidates
come from the indexed escrows past their deadline, each checked on chain before it is sent."""

from __future__ import annotations

import time
from collections.abc import Callable

from quiltkit.devchain import advance_time
from quiltkit.indexer import IndexStore, Queries
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import TxState

from tests.indexer.conftest import make_indexer
from tests.relayer.conftest import Chain, make_relayer, wait_until

__all__ = ["make_relayer"]


def test_the_keeper_opens_the_refunds_the_index_says_are_due(
    chain: Chain, make_relayer: Callable[..., Relayer], store: IndexStore, index_url: str
) -> None:
    due = chain.bounty(milestones=2, deadline_in=120)
    refunded_already = chain.bounty(deadline_in=120)
    later = chain.bounty(deadline_in=30 * 86_400)
    advance_time(chain.w3, 600)
    chain.escrow.open_refunds(refunded_already, sender=chain.operator)
    unindexed = chain.bounty(deadline_in=120)  # created after the index's cursor
    indexer = make_indexer(chain, store)
    indexer.sync(until=chain.w3.eth.block_number - 1)
    assert Queries(store).refund_candidates(chain.now()) == [due]

    relayer = make_relayer(keeper={"open_refunds": True, "interval_s": 0.2, "index_database_url": index_url})
    relayer.start()
    wait_until(lambda: chain.escrow.get_escrow(due).refunds_opened, timeout=20, what="refunds opened")
    advance_time(chain.w3, 600)
    time.sleep(1.0)  # more keeper rounds: the unindexed escrow's deadline passed, but the index lags
    assert not chain.escrow.get_escrow(unindexed).refunds_opened
    assert not chain.escrow.get_escrow(later).refunds_opened
    history = relayer.store.tx_history("evm")
    assert [(t.kind, t.keeper_key, t.state) for t in history] == [("keeper", str(due), TxState.CONFIRMED)]

    indexer.sync()  # the index catches up: the keeper finds the other one
    wait_until(lambda: chain.escrow.get_escrow(unindexed).refunds_opened, timeout=20, what="the second refund")
    relayer.stop()
