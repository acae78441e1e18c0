"""The tiers projection: TieredBadges' tiers and every account's balance of each (ERC-1155).

One subject per contract (``tiers:<address>``): an ERC-1155 ``TransferBatch`` moves several tiers
at once, so no smaller object has rows that are a function of its own events alone. A reorg
therefore folds the contract's remaining history again; fine at the scale of achievement tiers
(a handful of mints per contributor), and the escrow-sized families keep finer subjects.

``TierCreated`` opens a tier (soulbound or tradeable, the tier it upgrades), ``TransferSingle`` /
``TransferBatch`` move balances (from the zero address: a mint; to it: a burn), ``TierUpgraded``
counts upgrades into a tier (its burn and mint are the two ``TransferSingle`` around it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, tuple_

from quiltkit import tiered_badges_events as tv
from quiltkit._contract import ContractEvent
from quiltkit._types import ZERO_ADDRESS
from quiltkit.badges import TieredBadges
from quiltkit.exceptions import ContractRevert
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = ["TiersProjection", "tier_balances", "tier_rows"]

TIER_EVENTS = frozenset({"TierCreated", "TierUpgraded", "TransferSingle", "TransferBatch"})


def tier_rows(store: IndexStore) -> dict[tuple[str, int], dict[str, Any]]:
    """(contract, tier id) -> the tier's row."""
    return {(r["contract"], int(r["tier_id"])): dict(r) for r in store.select(select(t.tiers))}


def tier_balances(store: IndexStore) -> dict[tuple[str, int, str], int]:
    """(contract, tier id, account) -> balance, for every account that ever held the tier."""
    return {
        (r["contract"], int(r["tier_id"]), r["account"]): int(r["amount"])
        for r in store.select(select(t.tier_balances))
    }


def _read(client: TieredBadges, fn: str, block: int, *args: Any) -> Any:
    """One view at ``block``."""
    return client._decoded(fn, client._eth_call(client._encode(fn, *args), block))


class TiersProjection(Projection):
    """TieredBadges' tiers (``qx_tiers``) and balances (``qx_tier_balances``)."""

    family = "TieredBadges"
    client = TieredBadges
    kind = "tiers"
    tables = ((t.tier_balances, "contract"), (t.tiers, "contract"))

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, tv.TieredBadgesEvent) and event.event_name in TIER_EVENTS:
            return f"tiers:{event.contract}"
        return None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        new_tiers: list[dict[str, Any]] = []
        upgrades: dict[tuple[str, int], int] = {}
        deltas: dict[tuple[str, int, str], int] = {}

        def move(contract: str, tier: int, source: str, target: str, value: int) -> None:
            if source != ZERO_ADDRESS:
                deltas[(contract, tier, source)] = deltas.get((contract, tier, source), 0) - value
            if target != ZERO_ADDRESS:
                deltas[(contract, tier, target)] = deltas.get((contract, tier, target), 0) + value

        for e in events:
            if isinstance(e, tv.TierCreated):
                new_tiers.append(
                    {
                        "contract": e.contract,
                        "tier_id": str(e.id),
                        "soulbound": e.soulbound,
                        "lower": None if e.lower == 0 else str(e.lower),
                        "upgrades": 0,
                        "created_block": e.block_number,
                    }
                )
            elif isinstance(e, tv.TierUpgraded):
                upgrades[(e.contract, e.to)] = upgrades.get((e.contract, e.to), 0) + 1
            elif isinstance(e, tv.TransferSingle):
                move(e.contract, e.id, e.from_, e.to, e.value)
            elif isinstance(e, tv.TransferBatch):
                for tier, value in zip(e.ids, e.values, strict=True):
                    move(e.contract, tier, e.from_, e.to, value)
        if new_tiers:
            conn.execute(insert(t.tiers), new_tiers)
        for (contract, tier), n in upgrades.items():
            c = t.tiers.c
            conn.execute(
                t.tiers.update().where(c.contract == contract, c.tier_id == str(tier)).values(upgrades=c.upgrades + n)
            )
        keys = [(c, str(i), a) for c, i, a in deltas]
        current: dict[tuple[str, str, str], int] = {}
        b = t.tier_balances.c
        for part in chunks(keys):
            where = tuple_(b.contract, b.tier_id, b.account).in_(part)
            if not replay:
                for r in conn.execute(select(t.tier_balances).where(where)).mappings():
                    current[(r["contract"], r["tier_id"], r["account"])] = int(r["amount"])
            conn.execute(delete(t.tier_balances).where(where))
        rows = []
        for (contract, tier, account), d in deltas.items():
            amount = current.get((contract, str(tier), account), 0) + d
            rows.append(  # zero kept: verify then checks every account that ever held the tier
                {"contract": contract, "tier_id": str(tier), "account": account, "amount": str(amount)}
            )
        if rows:
            conn.execute(insert(t.tier_balances), rows)

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each tier's ``tier`` view (exists, soulbound, lower tier) and each account's
        ``balanceOf`` of each tier it held."""
        tiers = TieredBadges(w3, address)
        out: list[Difference] = []
        for (contract, tier_id), row in sorted(tier_rows(store).items()):
            if contract != tiers.address:
                continue
            indexed = (True, bool(row["soulbound"]), int(row["lower"] or 0))
            try:
                exists, soulbound, lower = _read(tiers, "tier", block, tier_id)
                on_chain: tuple[bool, bool | None, int | None] = (bool(exists), bool(soulbound), int(lower))
            except ContractRevert:  # TierNotFound
                on_chain = (False, None, None)
            out += differences(f"tier {tier_id}", {"tier (exists, soulbound, lower)": (indexed, on_chain)})
        for (contract, tier_id, account), amount in sorted(tier_balances(store).items()):
            if contract == tiers.address:
                balance = int(_read(tiers, "balanceOf", block, account, tier_id))
                out += differences(f"tier {tier_id} of {account}", {"balance": (amount, balance)})
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        n = store.select(select(func.count().label("n")).select_from(t.tiers))[0]["n"]
        return {"tiers": int(n)}
