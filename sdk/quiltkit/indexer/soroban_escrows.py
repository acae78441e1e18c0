"""The Soroban escrow projection: each escrow's state folded from its contract events alone, and
the store's side of indexing them (a cursor per network and contract, each event applied once).

The fold follows the contract's bookkeeping (soroban/escrow/src/contract.rs) event by event, so
the projected totals (funded, released, refundable, refunded, closed pool), milestone states,
dispute times and paying intents equal ``get_escrow``'s, and each funder's share and claimed
total equal ``share_of``/``claimed_of``; :func:`quiltkit.indexer.verify.verify_soroban` checks it.

Exactly once: a batch (its events, the escrows and fees they change, the cursor) is written in ONE
transaction, and each event's row is keyed by (network, contract, event id). Events at or below
the last applied id are dropped before the batch (an RPC may deliver an event twice; its docs say
to deduplicate by id), and one that slipped through would violate the key and abort its batch.

No reorganisations: a Stellar ledger is final once closed (SCP), so there is nothing to roll back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import chunks

if TYPE_CHECKING:
    from quiltkit.soroban.models import SorobanEvent

__all__ = [
    "SOROBAN_ESCROW_EVENTS",
    "SorobanCursor",
    "SorobanEscrowState",
    "SorobanEscrowStatus",
    "SorobanMilestoneState",
    "SorobanStore",
]

SOROBAN_ESCROW_EVENTS = frozenset(
    {
        "escrow_created",
        "escrow_funded",
        "payee_assigned",
        "milestone_released",
        "intent_executed",
        "milestone_disputed",
        "dispute_resolved",
        "dispute_expired",
        "escrow_refunded",
        "escrow_cancelled",
        "refund_claimed",
    }
)
"""The events that change one escrow (each carries ``escrow_id``)."""


class SorobanEscrowStatus(StrEnum):
    """The contract's ``EscrowStatus``: ``active`` until ``refund`` (``refunding``) or ``cancel``."""

    ACTIVE = "active"
    REFUNDING = "refunding"
    CANCELLED = "cancelled"


@dataclass
class SorobanMilestoneState:
    """One milestone: the contract's fields (amount, state, disputed_at, paid_by) and what its
    events said (who disputed it and until when it may be resolved; paid gross to the payee side,
    the fee and net of that, the part that went back to the funders)."""

    amount: int
    state: int = MilestoneState.PENDING
    disputed_at: int = 0
    resolve_by: int | None = None
    disputed_by: str | None = None
    paid_by: str | None = None
    paid: int = 0
    fee: int = 0
    net: int = 0
    to_funders: int = 0

    def to_json(self) -> list[Any]:
        return [
            str(self.amount),
            int(self.state),
            self.disputed_at,
            self.resolve_by,
            self.disputed_by,
            self.paid_by,
            str(self.paid),
            str(self.fee),
            str(self.net),
            str(self.to_funders),
        ]

    @classmethod
    def from_json(cls, raw: list[Any]) -> SorobanMilestoneState:
        amount, state, disputed_at, resolve_by, by, paid_by, paid, fee, net, to_funders = raw
        return cls(
            int(amount),
            int(state),
            int(disputed_at),
            resolve_by,
            by,
            paid_by,
            int(paid),
            int(fee),
            int(net),
            int(to_funders),
        )


def _strkey(public_key_hex: str) -> str:
    from stellar_sdk import StrKey  # only when a Soroban escrow is indexed: quiltkit.indexer stays light

    return str(StrKey.encode_ed25519_public_key(bytes.fromhex(public_key_hex.removeprefix("0x"))))


@dataclass
class SorobanEscrowState:
    network: str
    contract: str
    escrow_id: int
    payer: str
    payee: str | None
    token: str
    arbiter: str | None
    verifiers: list[str]
    threshold: int
    deadline: int
    resolution_window: int
    metadata: str
    fee_bps: int
    treasury: str
    milestones: list[SorobanMilestoneState]
    created_ledger: int
    updated_ledger: int
    status: SorobanEscrowStatus = SorobanEscrowStatus.ACTIVE
    funded: int = 0
    released: int = 0
    refundable: int = 0
    refunded: int = 0
    closed_pool: int = 0
    funders: dict[str, list[int]] = field(default_factory=dict)
    """funder -> [share (funded), claimed (refunds paid)]."""

    @property
    def total(self) -> int:
        return sum(m.amount for m in self.milestones)

    @classmethod
    def created(cls, network: str, contract: str, e: SorobanEvent) -> SorobanEscrowState:
        a = e.args
        ledger = e.ledger or 0
        return cls(
            network=network,
            contract=contract,
            escrow_id=int(a["escrow_id"]),
            payer=a["payer"],
            payee=a.get("payee"),
            token=a["token"],
            arbiter=a.get("arbiter"),
            verifiers=[_strkey(v) for v in a["verifiers"]],
            threshold=int(a["threshold"]),
            deadline=int(a["deadline"]),
            resolution_window=int(a["resolution_window"]),
            metadata=a["metadata"],
            fee_bps=int(a["fee_bps"]),
            treasury=a["treasury"],
            milestones=[SorobanMilestoneState(int(amount)) for amount in a["milestones"]],
            created_ledger=ledger,
            updated_ledger=ledger,
        )

    def apply(self, e: SorobanEvent) -> None:
        """Fold one of this escrow's events (after ``escrow_created``) into the state."""
        a, name = e.args, e.name
        self.updated_ledger = e.ledger or self.updated_ledger
        m = self.milestones[int(a["milestone"])] if "milestone" in a and name != "intent_executed" else None
        if name == "escrow_funded":
            self.funded = int(a["funded"])
            self.funders.setdefault(a["funder"], [0, 0])[0] = int(a["funder_share"])
        elif name == "payee_assigned":
            self.payee = a["payee"]
        elif name == "milestone_released" and m is not None:
            m.state, m.disputed_at = MilestoneState.RELEASED, 0
            m.paid, m.fee, m.net = int(a["amount"]), int(a["fee"]), int(a["net"])
            self.released += int(a["amount"])
        elif name == "intent_executed":
            self.milestones[int(a["milestone"])].paid_by = a["intent_id"]
        elif name == "milestone_disputed" and m is not None:
            m.state, m.disputed_by, m.resolve_by = MilestoneState.DISPUTED, a["by"], int(a["resolve_by"])
            m.disputed_at = int(a["resolve_by"]) - self.resolution_window
        elif name == "dispute_resolved" and m is not None:
            m.state = MilestoneState.RESOLVED
            m.paid, m.fee, m.net = int(a["payee_amount"]), int(a["fee"]), int(a["net"])
            m.to_funders = int(a["funders_amount"])
            self.released += int(a["payee_amount"])
            self.refundable += int(a["funders_amount"])
        elif name == "dispute_expired" and m is not None:
            m.state, m.to_funders = MilestoneState.REFUNDED, int(a["amount"])
            self.refundable = int(a["refundable"])
        elif name in ("escrow_refunded", "escrow_cancelled"):
            for milestone in self.milestones:
                if name == "escrow_cancelled" or milestone.state == MilestoneState.PENDING:
                    milestone.state = MilestoneState.REFUNDED
            self.refundable = int(a["refundable"])
            self.closed_pool = self.funded - self.released
            self.status = SorobanEscrowStatus.REFUNDING if name == "escrow_refunded" else SorobanEscrowStatus.CANCELLED
        elif name == "refund_claimed":
            self.refunded += int(a["amount"])
            self.funders.setdefault(a["funder"], [0, 0])[1] = int(a["claimed"])

    def to_row(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "contract": self.contract,
            "escrow_id": self.escrow_id,
            "payer": self.payer,
            "payee": self.payee,
            "token": self.token,
            "arbiter": self.arbiter,
            "verifiers_json": json.dumps(self.verifiers),
            "threshold": self.threshold,
            "deadline": self.deadline,
            "resolution_window": self.resolution_window,
            "metadata": self.metadata,
            "fee_bps": self.fee_bps,
            "treasury": self.treasury,
            "status": self.status.value,
            "total": str(self.total),
            "funded": str(self.funded),
            "released": str(self.released),
            "refundable": str(self.refundable),
            "refunded": str(self.refunded),
            "closed_pool": str(self.closed_pool),
            "milestones_json": json.dumps([m.to_json() for m in self.milestones]),
            "funders_json": json.dumps({f: [str(s), str(c)] for f, (s, c) in self.funders.items()}),
            "created_ledger": self.created_ledger,
            "updated_ledger": self.updated_ledger,
        }

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> SorobanEscrowState:
        return cls(
            network=row["network"],
            contract=row["contract"],
            escrow_id=int(row["escrow_id"]),
            payer=row["payer"],
            payee=row["payee"],
            token=row["token"],
            arbiter=row["arbiter"],
            verifiers=json.loads(row["verifiers_json"]),
            threshold=int(row["threshold"]),
            deadline=int(row["deadline"]),
            resolution_window=int(row["resolution_window"]),
            metadata=row["metadata"],
            fee_bps=int(row["fee_bps"]),
            treasury=row["treasury"],
            milestones=[SorobanMilestoneState.from_json(m) for m in json.loads(row["milestones_json"])],
            created_ledger=int(row["created_ledger"]),
            updated_ledger=int(row["updated_ledger"]),
            status=SorobanEscrowStatus(row["status"]),
            funded=int(row["funded"]),
            released=int(row["released"]),
            refundable=int(row["refundable"]),
            refunded=int(row["refunded"]),
            closed_pool=int(row["closed_pool"]),
            funders={f: [int(s), int(c)] for f, (s, c) in json.loads(row["funders_json"]).items()},
        )


@dataclass(frozen=True)
class SorobanCursor:
    """Where the index of one (network, contract) stands: the source that read it (``harness``
    or ``rpc``), the source's cursor (empty: none yet, read from ``start_ledger``), the last event
    applied and its ledger, and the events applied so far."""

    network: str
    contract: str
    source: str
    cursor: str
    start_ledger: int | None
    last_event: str | None
    ledger: int | None
    events: int


def _escrow_id(e: SorobanEvent) -> int | None:
    return int(e.args["escrow_id"]) if e.name in SOROBAN_ESCROW_EVENTS and "escrow_id" in e.args else None


class SorobanStore:
    """The Soroban escrow's tables in :class:`~quiltkit.indexer.IndexStore` (a mixin)."""

    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[Connection]: ...
        def _statement(self) -> AbstractContextManager[Connection]: ...

    @staticmethod
    def _key(network: str, contract: str, table: Any) -> Any:
        return and_(table.c.network == network, table.c.contract == contract)

    def soroban_cursor(self, network: str, contract: str) -> SorobanCursor | None:
        with self._statement() as conn:
            row = conn.execute(select(t.soroban_cursors).where(self._key(network, contract, t.soroban_cursors)))
            found = row.mappings().first()
        if found is None:
            return None
        return SorobanCursor(**{k: found[k] for k in SorobanCursor.__dataclass_fields__})

    def soroban_bind(self, network: str, contract: str, source: str, start_ledger: int | None) -> SorobanCursor:
        """The cursor of (network, contract), created on first use; a cursor another kind of
        source wrote is refused (a harness cursor means nothing to an RPC and back)."""
        with self._tx() as conn:
            row = (
                conn.execute(select(t.soroban_cursors).where(self._key(network, contract, t.soroban_cursors)))
                .mappings()
                .first()
            )
            if row is None:
                values = {
                    "network": network,
                    "contract": contract,
                    "source": source,
                    "cursor": "",
                    "start_ledger": start_ledger,
                    "last_event": None,
                    "ledger": None,
                    "events": 0,
                }
                conn.execute(insert(t.soroban_cursors).values(**values))
                return SorobanCursor(**values)  # type: ignore[arg-type]
        if row["source"] != source:
            raise InvalidInput(
                f"contract {contract} on {network!r} was indexed from source {row['source']!r}, not {source!r}: "
                "its cursor means nothing to this source (use another database)",
                field="source",
            )
        return SorobanCursor(**{k: row[k] for k in SorobanCursor.__dataclass_fields__})

    def soroban_apply(self, network: str, contract: str, events: Sequence[SorobanEvent], cursor: str) -> int:
        """Apply ``events`` (source order, each with an id) not applied yet and move the source's
        cursor to ``cursor``; one transaction. Returns the events applied."""
        with self._tx() as conn:
            where = self._key(network, contract, t.soroban_cursors)
            row = conn.execute(select(t.soroban_cursors).where(where)).mappings().one()
            last = row["last_event"]
            fresh = [e for e in events if e.id is not None and (last is None or e.id > last)]
            if len({e.id for e in fresh}) != len(fresh):
                raise ValueError("a batch holds one event id twice")
            values: dict[str, Any] = {"cursor": cursor}
            if fresh:
                conn.execute(
                    insert(t.soroban_events),
                    [
                        {
                            "network": network,
                            "contract": contract,
                            "event_id": e.id,
                            "ledger": e.ledger or 0,
                            "name": e.name,
                            "escrow_id": _escrow_id(e),
                            "payload": e.model_dump_json(),
                        }
                        for e in fresh
                    ],
                )
                self._fold(conn, network, contract, fresh)
                values.update(last_event=fresh[-1].id, ledger=fresh[-1].ledger, events=int(row["events"]) + len(fresh))
            conn.execute(update(t.soroban_cursors).where(where).values(**values))
        return len(fresh)

    def _fold(self, conn: Connection, network: str, contract: str, events: Sequence[SorobanEvent]) -> None:
        touched = sorted({i for e in events if (i := _escrow_id(e)) is not None})
        states = self._load(conn, network, contract, touched)
        fees: dict[tuple[str, str], int] = {}
        for e in events:
            escrow_id = _escrow_id(e)
            if e.name == "escrow_created":
                states[int(e.args["escrow_id"])] = SorobanEscrowState.created(network, contract, e)
            elif escrow_id is not None:
                state = states.get(escrow_id)
                if state is not None:  # None: created before the index's first ledger, not indexed
                    state.apply(e)
            elif e.name == "fee_deferred":
                fees[(e.args["treasury"], e.args["token"])] = int(e.args["owed"])
            elif e.name == "fees_withdrawn":
                fees[(e.args["treasury"], e.args["token"])] = 0
        for part in chunks(touched):
            conn.execute(
                delete(t.soroban_escrows).where(
                    self._key(network, contract, t.soroban_escrows), t.soroban_escrows.c.escrow_id.in_(part)
                )
            )
        rows = [states[i].to_row() for i in touched if i in states]
        if rows:
            conn.execute(insert(t.soroban_escrows), rows)
        for (treasury, token), owed in fees.items():
            key = and_(
                self._key(network, contract, t.soroban_fees),
                t.soroban_fees.c.treasury == treasury,
                t.soroban_fees.c.token == token,
            )
            conn.execute(delete(t.soroban_fees).where(key))
            if owed:
                conn.execute(
                    insert(t.soroban_fees).values(
                        network=network, contract=contract, treasury=treasury, token=token, owed=str(owed)
                    )
                )

    def _load(self, conn: Connection, network: str, contract: str, ids: Sequence[int]) -> dict[int, SorobanEscrowState]:
        states: dict[int, SorobanEscrowState] = {}
        for part in chunks(ids):
            query = select(t.soroban_escrows).where(
                self._key(network, contract, t.soroban_escrows), t.soroban_escrows.c.escrow_id.in_(part)
            )
            for row in conn.execute(query).mappings():
                states[int(row["escrow_id"])] = SorobanEscrowState.from_row(row)
        return states

    # --- reads for verify and queries ----------------------------------------------------------

    def soroban_escrow_states(self, network: str, contract: str) -> dict[int, SorobanEscrowState]:
        with self._statement() as conn:
            query = select(t.soroban_escrows).where(self._key(network, contract, t.soroban_escrows))
            return {int(r["escrow_id"]): SorobanEscrowState.from_row(r) for r in conn.execute(query).mappings()}

    def soroban_fees(self, network: str, contract: str) -> dict[tuple[str, str], int]:
        """Fees owed: (treasury, token) -> amount."""
        with self._statement() as conn:
            rows = conn.execute(select(t.soroban_fees).where(self._key(network, contract, t.soroban_fees)))
            return {(r.treasury, r.token): int(r.owed) for r in rows}

    def soroban_event_ids(self, network: str, contract: str) -> Iterator[str]:
        with self._statement() as conn:
            query = (
                select(t.soroban_events.c.event_id)
                .where(self._key(network, contract, t.soroban_events))
                .order_by(t.soroban_events.c.event_id)
            )
            yield from (str(r[0]) for r in conn.execute(query).all())
