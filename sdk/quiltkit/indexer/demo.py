"""The demo's indexer chapter: the story's escrow and the DAO's proposals rebuilt from their
events, queried, verified."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from web3 import Web3

from quiltkit.indexer.families import FAMILIES
from quiltkit.indexer.indexer import ContractRef, Deployment, Indexer
from quiltkit.indexer.queries import Queries
from quiltkit.indexer.staking_queries import staking_demo_lines
from quiltkit.indexer.store import IndexStore
from quiltkit.indexer.verify import verify

__all__ = ["demo_chapter"]

_LABELS = {
    "AuctionHouse": "the patent auction",
    "QuiltkitGovernor": "the DAO's proposals",
    "QuiltkitStaking": "the pool's stakes and rewards",
    "VerifierBonds": "the verifiers' bonds",
}


def demo_chapter(
    w3: Web3,
    escrow: str,
    token: str,
    say: Callable[[str], object],
    *,
    contracts: Mapping[str, str] | None = None,
) -> None:
    """Index the demo chain's MilestoneEscrow, and the other demo contracts the indexer has a
    projection for (``contracts``, by manifest name), into a throwaway SQLite file; show queries."""
    indexed = {name: a for name, a in (contracts or {}).items() if name in FAMILIES}
    indexed["MilestoneEscrow"] = escrow
    others = [label for name, label in _LABELS.items() if name in indexed]
    what = (
        "the story's escrow" + "".join(f", {label}" for label in others[:-1]) + (f" and {others[-1]}" if others else "")
    )
    say(f"== quiltkit demo, the indexer: {what} rebuilt from {'their' if others else 'its'} events (SQLite) ==")
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(f"sqlite:///{Path(tmp) / 'demo-index.db'}")
        try:
            deployment = Deployment(
                chain_id=int(w3.eth.chain_id),
                contracts={name: ContractRef(address=a, start_block=0) for name, a in sorted(indexed.items())},
            )
            indexer = Indexer(w3, deployment, store)
            indexer.prepare()
            applied = indexer.sync()
            q = Queries(store)
            status = q.status()
            noun = "escrow" if status.escrows == 1 else "escrows"
            more = "".join(f", {n} {name[:-1] if n == 1 else name}" for name, n in status.objects.items() if n)
            say(f"indexed {applied} events up to block {status.cursor}: {status.escrows} {noun}{more}")
            for e in q.escrows(limit=10).items:
                states = ", ".join(m.state.name.lower() for m in e.milestones)
                say(f"  escrow {e.escrow_id}: {e.status.value}; milestones {states}; held {e.held}; payee {e.payee}")
            first = q.escrows(limit=1).items
            if first:
                names = [h.name for h in q.history(first[0].escrow_id).items]
                say(f"  history of escrow {first[0].escrow_id}: {' -> '.join(names)}")
            for p in q.proposals(limit=10).items:
                unit = 10**9 if p.quadratic else 10**18  # a quadratic weight is the square root of a wei amount
                tally = ", ".join(
                    f"{side} {v / unit:.2f}"
                    for side, v in (("for", p.for_votes), ("against", p.against_votes), ("abstain", p.abstain_votes))
                )
                counted = "square roots of tokens" if p.quadratic else "tokens"
                say(f"  {p.kind.name.lower()} proposal: {p.status.value}; {tally} ({counted}, {p.voters} voters)")
            for a in q.auctions(limit=10).items:
                sale = f"sold to {a.winner} for {a.price / 10**18:.2f}" if a.winner else a.status.value
                say(f"  auction {a.auction_id}: {sale} after {a.bids} bids ({a.extensions} late-bid extensions)")
            for line in staking_demo_lines(q):
                say(line)
            block, differences = verify(w3, store, deployment)
            if differences:
                say(f"verify: {len(differences)} differences at block {block}: {differences[0]}")
            else:
                objects = "escrow equals getEscrow" + "".join(
                    f", every {noun} its {view}"
                    for noun, view in (("proposal", "governor's views"), ("auction", "get_auction"))
                    if q.status().objects.get(noun + "s")
                )
                if q.status().stakes or q.status().bonds:
                    objects += ", every stake and bond the pool's and the registry's views"
                if q.status().objects.get("suspensions"):
                    objects += ", every pushed suspension the registry's SuspensionsPushed log"
                say(f"verify: every indexed {objects} at block {block}")
        finally:
            store.dispose()
