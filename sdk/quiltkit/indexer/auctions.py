"""The auction projection: each AuctionHouse auction and its bids folded from their events alone.

``AuctionCreated`` opens an auction with its lot and terms, each ``BidPlaced`` records the new
highest bid (and the end it moved, counting an extension when it did), ``AuctionSettled`` closes
it with the sale's split (winner, price, royalty, fee, impact share, seller's proceeds; no
winner when nobody bid), ``AuctionCancelled`` closes it unsold, and ``LotOwed`` / ``LotClaimed``
track a lot whose push failed. The contract forgets an ended auction's terms (currency, times,
increment) and keeps the rest; the index keeps everything, so a backend can show past sales.

Credits from failed pushes (``Credited`` / ``Withdrawn``) are not projected: ``credits(account,
currency)`` is one view per account and the events stay in the event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from quiltkit import auction_events as av
from quiltkit._contract import ContractEvent
from quiltkit._types import ZERO_ADDRESS
from quiltkit.auction import AuctionHouse, AuctionStatus
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = ["AuctionProjection", "AuctionRow", "AuctionState", "auction_rows"]

_SUBJECT_EVENTS = (
    av.AuctionCreated,
    av.BidPlaced,
    av.AuctionSettled,
    av.AuctionCancelled,
    av.LotOwed,
    av.LotClaimed,
)
_AMOUNTS = ("token_id", "amount", "reserve", "highest_bid", "price", "royalty", "fee", "impact", "seller_proceeds")


class AuctionState(StrEnum):
    LIVE = "live"
    SETTLED = "settled"
    CANCELLED = "cancelled"


_CHAIN_STATUS = {
    AuctionState.LIVE: AuctionStatus.LIVE,
    AuctionState.SETTLED: AuctionStatus.SETTLED,
    AuctionState.CANCELLED: AuctionStatus.CANCELLED,
}


def _or_none(address: str) -> str | None:
    return None if address == ZERO_ADDRESS else address


@dataclass
class AuctionRow:
    auction_id: int
    contract: str
    seller: str
    collection: str
    token_id: int
    amount: int
    currency: str
    reserve: int
    start_time: int
    end_time: int
    min_increment_bps: int
    time_buffer: int
    fee_bps: int
    impact_beneficiary: str | None
    impact_bps: int
    created_block: int
    updated_block: int
    extensions: int = 0
    bids: int = 0
    highest_bidder: str | None = None
    highest_bid: int = 0
    status: AuctionState = AuctionState.LIVE
    winner: str | None = None
    price: int = 0
    royalty_receiver: str | None = None
    royalty: int = 0
    fee: int = 0
    impact: int = 0
    seller_proceeds: int = 0
    lot_owed_to: str | None = None

    @classmethod
    def created(cls, e: av.AuctionCreated) -> AuctionRow:
        return cls(
            auction_id=e.auction_id,
            contract=e.contract,
            seller=e.seller,
            collection=e.collection,
            token_id=e.token_id,
            amount=e.amount,
            currency=e.currency,
            reserve=e.reserve,
            start_time=e.start_time,
            end_time=e.end_time,
            min_increment_bps=e.min_increment_bps,
            time_buffer=e.time_buffer,
            fee_bps=e.fee_bps,
            impact_beneficiary=_or_none(e.impact_beneficiary),
            impact_bps=e.impact_bps,
            created_block=e.block_number,
            updated_block=e.block_number,
        )

    def apply(self, e: ContractEvent) -> dict[str, Any] | None:
        """Fold one event in; a bid returns its row for the bids table."""
        self.updated_block = e.block_number
        if isinstance(e, av.BidPlaced):
            self.highest_bidder, self.highest_bid, self.end_time = e.bidder, e.amount, e.end_time
            self.bids += 1
            self.extensions += int(e.extended)
            return {
                "auction_id": str(e.auction_id),
                "block_number": e.block_number,
                "log_index": e.log_index,
                "bidder": e.bidder,
                "amount": str(e.amount),
                "end_time": e.end_time,
                "extended": e.extended,
                "tx_hash": e.tx_hash,
            }
        if isinstance(e, av.AuctionSettled):
            self.status, self.winner, self.price = AuctionState.SETTLED, _or_none(e.winner), e.amount
            self.royalty_receiver, self.royalty = _or_none(e.royalty_receiver), e.royalty
            self.fee, self.impact, self.seller_proceeds = e.fee, e.impact, e.seller_proceeds
        elif isinstance(e, av.AuctionCancelled):
            self.status = AuctionState.CANCELLED
        elif isinstance(e, av.LotOwed):
            self.lot_owed_to = e.account
        elif isinstance(e, av.LotClaimed):
            self.lot_owed_to = None
        return None

    def to_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["auction_id"] = str(self.auction_id)
        row["status"] = self.status.value
        for name in _AMOUNTS:
            row[name] = str(row[name])
        return row

    @classmethod
    def from_row(cls, r: Any) -> AuctionRow:
        values = {f.name: r[f.name] for f in fields(cls)}
        values["auction_id"] = int(r["auction_id"])
        values["status"] = AuctionState(r["status"])
        for name in _AMOUNTS:
            values[name] = int(r[name])
        return cls(**values)


def auction_rows(store: IndexStore, ids: Sequence[int] | None = None) -> dict[int, AuctionRow]:
    query = select(t.auctions)
    if ids is not None:
        query = query.where(t.auctions.c.auction_id.in_([str(i) for i in ids]))
    return {int(r["auction_id"]): AuctionRow.from_row(r) for r in store.select(query)}


def _read(house: AuctionHouse, fn: str, block: int, *args: Any) -> Any:
    """One view at ``block`` (the house has no multicall)."""
    return house._decoded(fn, house._eth_call(house._encode(fn, *args), block))


class AuctionProjection(Projection):
    """AuctionHouse's auctions (``qx_auctions``) and bids (``qx_bids``)."""

    family = "AuctionHouse"
    client = AuctionHouse
    kind = "auction"
    tables = ((t.bids, "auction_id"), (t.auctions, "auction_id"))

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, _SUBJECT_EVENTS):
            return f"auction:{event.auction_id}"
        return None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        ids = sorted({str(e.auction_id) for e in events})  # type: ignore[attr-defined]
        rows: dict[int, AuctionRow] = {}
        if not replay:
            for part in chunks(ids):
                for r in conn.execute(select(t.auctions).where(t.auctions.c.auction_id.in_(part))).mappings():
                    rows[int(r["auction_id"])] = AuctionRow.from_row(r)
        new_bids: list[dict[str, Any]] = []
        for e in events:
            if isinstance(e, av.AuctionCreated):
                rows[e.auction_id] = AuctionRow.created(e)
                continue
            row = rows.get(e.auction_id)  # type: ignore[attr-defined]
            if row is None:  # an auction created before the start block: not indexed
                continue
            bid = row.apply(e)
            if bid is not None:
                new_bids.append(bid)
        for part in chunks(ids):  # bids are appended; the auctions' rows are replaced
            conn.execute(t.auctions.delete().where(t.auctions.c.auction_id.in_(part)))
        if rows:
            conn.execute(insert(t.auctions), [r.to_row() for r in rows.values()])
        if new_bids:
            conn.execute(insert(t.bids), new_bids)

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each auction's ``get_auction`` at the indexed block: what the contract keeps for every
        auction (status, seller, time buffer, extensions, fee and impact shares, highest bid and
        bidder), while the house holds the lot the lot too, and while it is live its terms
        (currency, start, end, increment); its ``lot_owed``; and that the auction ids indexed run
        without a gap up to ``auction_count``."""
        house = AuctionHouse(w3, address)
        out: list[Difference] = []
        rows = auction_rows(store)
        for aid, a in sorted(rows.items()):
            chain = _read(house, "get_auction", block, aid)
            c = dict(chain) if isinstance(chain, dict) else dict(zip(_GET_AUCTION_FIELDS, chain, strict=True))
            on_chain_bidder = _or_none(c["highest_bidder"])
            pairs: dict[str, tuple[Any, Any]] = {
                "status": (_CHAIN_STATUS[a.status], AuctionStatus(int(c["status"]))),
                "seller": (a.seller, c["seller"]),
                "time_buffer": (a.time_buffer, int(c["time_buffer"])),
                "extensions": (a.extensions, int(c["extensions"])),
                "fee and impact": (
                    (a.fee_bps, a.impact_bps, a.impact_beneficiary),
                    (int(c["fee_bps"]), int(c["impact_bps"]), _or_none(c["impact_beneficiary"])),
                ),
                "highest bid": ((a.highest_bidder, a.highest_bid), (on_chain_bidder, int(c["highest_bid"]))),
                "lot_owed": (a.lot_owed_to, _or_none(str(_read(house, "lot_owed", block, aid)))),
            }
            if a.status is AuctionState.LIVE or a.lot_owed_to is not None:  # the house holds the lot
                pairs["lot (collection, token id, amount)"] = (
                    (a.collection, a.token_id, a.amount),
                    (c["collection"], int(c["token_id"]), int(c["amount"])),
                )
            if a.status is AuctionState.LIVE:
                pairs["terms (currency, start, end, increment)"] = (
                    (a.currency, a.start_time, a.end_time, a.min_increment_bps),
                    (c["currency"], int(c["start_time"]), int(c["end_time"]), int(c["min_increment_bps"])),
                )
            out += differences(f"auction {aid}", pairs)
        count = int(_read(house, "auction_count", block))
        if rows and sorted(rows) != list(range(min(rows), count + 1)):  # ids are consecutive: none missed
            indexed = f"{min(rows)}..{max(rows)} ({len(rows)} auctions)"
            out.append(Difference(object="AuctionHouse", field="auction ids", indexed=indexed, on_chain=f"1..{count}"))
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        n = store.select(select(func.count().label("n")).select_from(t.auctions))[0]["n"]
        return {"auctions": int(n)}


_GET_AUCTION_FIELDS = (
    "status",
    "seller",
    "collection",
    "token_id",
    "amount",
    "currency",
    "start_time",
    "end_time",
    "min_increment_bps",
    "time_buffer",
    "extensions",
    "fee_bps",
    "impact_beneficiary",
    "impact_bps",
    "highest_bidder",
    "highest_bid",
    "min_next_bid",
)
