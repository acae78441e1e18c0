"""The demo's indexer chapter: the story's escrows rebuilt from their events, queried, verified."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from web3 import Web3

from quiltkit.indexer.indexer import ContractRef, Deployment, Indexer
from quiltkit.indexer.queries import Queries
from quiltkit.indexer.store import IndexStore
from quiltkit.indexer.verify import verify

__all__ = ["demo_chapter"]


def demo_chapter(w3: Web3, escrow: str, token: str, say: Callable[[str], object]) -> None:
    """Index the demo chain's MilestoneEscrow into a throwaway SQLite file and show a few queries."""
    say("== quiltkit demo, the indexer: the story's escrows rebuilt from their events (SQLite) ==")
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(f"sqlite:///{Path(tmp) / 'demo-index.db'}")
        try:
            deployment = Deployment(
                chain_id=int(w3.eth.chain_id), contracts={"MilestoneEscrow": ContractRef(address=escrow, start_block=0)}
            )
            indexer = Indexer(w3, deployment, store)
            indexer.prepare()
            applied = indexer.sync()
            q = Queries(store)
            status = q.status()
            noun = "escrow" if status.escrows == 1 else "escrows"
            say(f"indexed {applied} events up to block {status.cursor}: {status.escrows} {noun}")
            for e in q.escrows(limit=10).items:
                states = ", ".join(m.state.name.lower() for m in e.milestones)
                say(f"  escrow {e.escrow_id}: {e.status.value}; milestones {states}; held {e.held}; payee {e.payee}")
            first = q.escrows(limit=1).items
            if first:
                names = [h.name for h in q.history(first[0].escrow_id).items]
                say(f"  history of escrow {first[0].escrow_id}: {' -> '.join(names)}")
            block, differences = verify(w3, store, deployment)
            if differences:
                say(f"verify: {len(differences)} differences at block {block}: {differences[0]}")
            else:
                say(f"verify: every indexed escrow equals getEscrow at block {block}")
        finally:
            store.dispose()
