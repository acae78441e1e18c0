"""The durable store and queue: one code path for SQLite (default) and PostgreSQL.

Work is claimed by leasing rows: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
instances share one queue without taking the same intent; on SQLite every write transaction is
``BEGIN IMMEDIATE`` (one writer at a time), which gives the same guarantee to the threads and
processes sharing the file. Writes that act on leased intents are fenced: they only apply while
the caller still holds the lease, so an instance whose lease expired cannot submit an intent that
another instance has since taken.

Idempotency rule, enforced twice: the intent id and its EIP-712 digest are unique here, and the
contract consumes each intent id once. Duplicate deliveries are possible but harmless.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from quiltkit.db import Database
from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from quiltkit_relayer.models import (
    LIVE_TX_STATES,
    IntentRecord,
    IntentState,
    Reason,
    Rejection,
    TxState,
)
from quiltkit_relayer.store.schema import deliveries, instances, intents, keeper_tasks, signers, transactions

__all__ = ["LeaseLost", "NewTx", "Store", "TxRow"]

_INT64_MAX = 2**63 - 1


# The statements of the hot paths (every intent, every batch, every poll) are built once, with
# bound parameters: building one with SQLAlchemy's constructors and deriving its cache key cost
# about as much CPU as executing it.
_INSERT_INTENT = insert(intents)
_INTENT_BY_ID = select(intents).where(intents.c.intent_id == bindparam("intent_id"))
_INTENTS_BY_IDS = select(intents).where(intents.c.intent_id.in_(bindparam("intent_ids", expanding=True)))
_COUNTS = select(intents.c.state, func.count()).group_by(intents.c.state)
_DUE_NOW = (
    intents.c.chain == bindparam("chain"),
    intents.c.state == bindparam("state"),
    intents.c.next_attempt_at <= bindparam("now"),
)
_DUE_IDS = (
    select(intents.c.intent_id)
    .where(
        intents.c.state.in_(bindparam("states", expanding=True)),
        intents.c.next_attempt_at <= bindparam("now"),
        or_(intents.c.lease_until.is_(None), intents.c.lease_until < bindparam("now")),
    )
    .order_by(intents.c.next_attempt_at, intents.c.created_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DUE_IDS_ON_CHAIN = _DUE_IDS.where(intents.c.chain == bindparam("chain"))
_LEASE = (
    update(intents)
    .where(intents.c.intent_id.in_(bindparam("intent_ids", expanding=True)))
    .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"))
)
_OF_SIGNER_LIVE = (
    transactions.c.chain == bindparam("chain"),
    transactions.c.signer == bindparam("signer"),
    transactions.c.state.in_([s.value for s in LIVE_TX_STATES]),
)
_LIVE_TXS = select(transactions).where(*_OF_SIGNER_LIVE).order_by(transactions.c.nonce, transactions.c.id)
_LIVE_NONCE_COUNT = select(func.count(func.distinct(transactions.c.nonce))).where(*_OF_SIGNER_LIVE)
_MAX_LIVE_NONCE = select(func.max(transactions.c.nonce)).where(*_OF_SIGNER_LIVE)
_INSERT_TX = insert(transactions)
# The submit stage's question on every poll (50 ms apart while a batch fills), as one round trip:
# the signer's unresolved nonces, and how many intents are due and since when.
_SUBMIT_GATE = select(
    _LIVE_NONCE_COUNT.scalar_subquery(),
    select(func.count()).select_from(intents).where(*_DUE_NOW).scalar_subquery(),
    select(func.min(intents.c.next_attempt_at)).where(*_DUE_NOW).scalar_subquery(),
)
_TX_BY_ID = select(transactions).where(transactions.c.id == bindparam("tx_id"))
_SUBMITTED = (
    update(intents)
    .where(
        intents.c.intent_id.in_(bindparam("intent_ids", expanding=True)),
        intents.c.lease_owner == bindparam("owner"),
        intents.c.state == IntentState.VERIFIED.value,
    )
    .values(
        state=IntentState.SUBMITTED.value,
        reason=None,
        lease_owner=None,
        lease_until=None,
        signer=bindparam("tx_signer"),
        nonce=bindparam("tx_nonce"),
        tx_id=bindparam("new_tx_id"),
        tx_hash=bindparam("new_tx_hash"),
        submitted_at=bindparam("at"),
        updated_at=bindparam("at"),
        attempts=intents.c.attempts + 1,
    )
)
_RETIRE_VERSIONS = (
    update(transactions)
    .where(
        transactions.c.id.in_(bindparam("tx_ids", expanding=True)),
        transactions.c.state.in_([s.value for s in LIVE_TX_STATES]),
    )
    .values(state=bindparam("new_state"), resolved_at=bindparam("at"))
)
_SETTLE_WINNER = (
    update(transactions)
    .where(transactions.c.id == bindparam("tx_id"))
    .values(
        state=bindparam("new_state"),
        block_number=bindparam("block"),
        gas_used=bindparam("gas"),
        effective_gas_price=bindparam("price"),
        resolved_at=bindparam("at"),
    )
)
_IN_FLIGHT = and_(
    intents.c.intent_id.in_(bindparam("intent_ids", expanding=True)),
    intents.c.state == IntentState.SUBMITTED.value,
    intents.c.tx_id.in_(bindparam("tx_ids", expanding=True)),
)
_CONFIRM_IN_FLIGHT = (
    update(intents)
    .where(_IN_FLIGHT)
    .values(
        state=IntentState.CONFIRMED.value,
        reason=None,
        tx_id=bindparam("winner_id"),
        tx_hash=bindparam("winner_hash"),
        block_number=bindparam("block"),
        confirmed_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
)
_MARK_BROADCAST = (
    update(transactions)
    .where(transactions.c.id == bindparam("tx_id"), transactions.c.state == TxState.SIGNED.value)
    .values(state=TxState.BROADCAST.value, broadcast_at=bindparam("at"))
)


_INSERT_INTENTS_SQLITE = sqlite_insert(intents).on_conflict_do_nothing().returning(intents.c.intent_id)
# PostgreSQL: one array per column, unnested into rows. The statement stays the same short text
# whatever the batch size, so psycopg parses it once and the server prepares it once; the
# multi-row VALUES form had 19 parameters a row, and psycopg re-parsed that text (too long for its
# statement cache) for every request.
_PG_ARRAY_TYPES = {
    "intent_id": "text[]",
    "digest": "text[]",
    "chain": "text[]",
    "chain_id": "bigint[]",
    "contract": "text[]",
    "escrow_id": "text[]",
    "milestone": "text[]",
    "deadline": "bigint[]",
    "intent_json": "text[]",
    "signatures_json": "text[]",
    "signers_json": "text[]",
    "verifiers_json": "text[]",
    "source": "text[]",
    "state": "text[]",
    "reason": "text[]",
    "attempts": "integer[]",
    "next_attempt_at": "double precision[]",
    "created_at": "double precision[]",
    "updated_at": "double precision[]",
}
_PG_COLUMNS = ", ".join(_PG_ARRAY_TYPES)
_PG_ARRAYS = ", ".join(f"CAST(:{c} AS {t})" for c, t in _PG_ARRAY_TYPES.items())
# Only the constant names above are spliced in; every value is a bound parameter.
_INSERT_INTENTS_PG = text(
    f"INSERT INTO intents ({_PG_COLUMNS}) SELECT * FROM unnest({_PG_ARRAYS}) "  # noqa: S608
    "ON CONFLICT DO NOTHING RETURNING intent_id"
)


class LeaseLost(RuntimeError):
    """The caller no longer holds the lease on an intent it tried to change; nothing was written."""


@dataclass(frozen=True)
class NewTx:
    """A signed transaction about to be recorded (before it is broadcast)."""

    chain: str
    signer: str
    nonce: int
    tx_hash: str
    raw_tx: str
    kind: str
    intent_ids: tuple[str, ...]
    gas_limit: int
    max_fee_per_gas: int
    priority_fee_per_gas: int
    keeper_job: str | None = None
    keeper_key: str | None = None


@dataclass(frozen=True)
class TxRow:
    id: int
    chain: str
    signer: str
    nonce: int
    tx_hash: str
    raw_tx: str
    kind: str
    intent_ids: tuple[str, ...]
    keeper_job: str | None
    keeper_key: str | None
    gas_limit: int
    max_fee_per_gas: int
    priority_fee_per_gas: int
    state: TxState
    replaces_id: int | None
    created_at: float
    broadcast_at: float | None
    block_number: int | None
    gas_used: int | None
    effective_gas_price: int | None

    @classmethod
    def from_row(cls, row: RowMapping) -> TxRow:
        return cls(
            id=row["id"],
            chain=row["chain"],
            signer=row["signer"],
            nonce=int(row["nonce"]),
            tx_hash=row["tx_hash"],
            raw_tx=row["raw_tx"],
            kind=row["kind"],
            intent_ids=tuple(json.loads(row["intent_ids_json"])),
            keeper_job=row["keeper_job"],
            keeper_key=row["keeper_key"],
            gas_limit=int(row["gas_limit"]),
            max_fee_per_gas=int(row["max_fee_per_gas"]),
            priority_fee_per_gas=int(row["priority_fee_per_gas"]),
            state=TxState(row["state"]),
            replaces_id=row["replaces_id"],
            created_at=row["created_at"],
            broadcast_at=row["broadcast_at"],
            block_number=row["block_number"],
            gas_used=row["gas_used"],
            effective_gas_price=row["effective_gas_price"],
        )


def _record(row: RowMapping) -> IntentRecord:
    verifiers = row["verifiers_json"]
    return IntentRecord(
        intent_id=row["intent_id"],
        state=IntentState(row["state"]),
        reason=row["reason"],
        chain=row["chain"],
        chain_id=int(row["chain_id"]),
        contract=row["contract"],
        digest=row["digest"],
        intent=json.loads(row["intent_json"]),
        signatures=json.loads(row["signatures_json"]),
        signers=json.loads(row["signers_json"]),
        verifiers=json.loads(verifiers) if verifiers else None,
        source=row["source"],
        attempts=row["attempts"],
        signer=row["signer"],
        nonce=row["nonce"],
        tx_hash=row["tx_hash"],
        block_number=row["block_number"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        confirmed_at=row["confirmed_at"],
    )


def _intent_values(record: IntentRecord) -> dict[str, Any]:
    """The intents row of a new record."""
    return {
        "intent_id": record.intent_id,
        "digest": record.digest,
        "chain": record.chain,
        "chain_id": record.chain_id,
        "contract": record.contract,
        "escrow_id": str(record.intent.escrow_id),
        "milestone": str(record.intent.milestone),
        "deadline": min(record.intent.deadline, _INT64_MAX),
        "intent_json": record.intent.model_dump_json(),
        "signatures_json": json.dumps(record.signatures),
        "signers_json": json.dumps(record.signers),
        "verifiers_json": json.dumps(record.verifiers) if record.verifiers is not None else None,
        "source": record.source,
        "state": record.state.value,
        "reason": record.reason,
        "attempts": record.attempts,
        "next_attempt_at": record.created_at,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


class Store(Database):
    """The relayer's tables behind one SQLAlchemy engine (thread-safe; share one per process).

    The engine, transactions and migrations are :class:`quiltkit.db.Database`'s, shared with the
    indexer; the migrations are this package's, recorded in alembic's default version table."""

    migrations_package = "quiltkit_relayer.store"
    version_table = "alembic_version"

    # --- instances and signers ---------------------------------------------------------------

    def heartbeat(self, instance_id: str, signer: str | None) -> None:
        """Record that this instance is alive (also the /readyz "store writable" check)."""
        now = time.time()
        with self._tx() as conn:
            done = conn.execute(
                update(instances).where(instances.c.instance_id == instance_id).values(seen_at=now, signer=signer)
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(instances).values(instance_id=instance_id, signer=signer, started_at=now, seen_at=now)
                )

    def acquire_signer(self, chain: str, address: str, owner: str, lease_s: float) -> str | None:
        """Lease the signer key to ``owner``; returns the other holder's id if it is taken."""
        now = time.time()
        key = and_(signers.c.chain == chain, signers.c.address == address)
        with self._tx() as conn:
            row = conn.execute(select(signers).where(key).with_for_update()).mappings().first()
            if row is None:
                conn.execute(
                    insert(signers).values(chain=chain, address=address, owner=owner, lease_until=now + lease_s)
                )
                return None
            holder, until = row["owner"], row["lease_until"]
            if holder not in (None, owner) and until is not None and until > now:
                return str(holder)
            conn.execute(update(signers).where(key).values(owner=owner, lease_until=now + lease_s))
            return None

    def release_signer(self, chain: str, address: str, owner: str) -> None:
        key = and_(signers.c.chain == chain, signers.c.address == address, signers.c.owner == owner)
        with self._statement() as conn:
            conn.execute(update(signers).where(key).values(owner=None, lease_until=None))

    # --- intents ------------------------------------------------------------------------------

    def add_intent(self, record: IntentRecord) -> tuple[IntentRecord, bool]:
        """Insert ``record``; if the same intent is already stored return that one (created=False).

        The same intent id with different content is a :class:`Rejection` (``intent_id_conflict``).
        """
        values = _intent_values(record)
        try:
            with self._statement() as conn:
                conn.execute(_INSERT_INTENT, values)
        except IntegrityError:
            existing = self.get(record.intent_id) or self.get_by_digest(record.digest)
            if existing is None:  # pragma: no cover - a unique violation implies a row
                raise
            return self._stored_copy(record, existing), False
        return record, True  # what the row now holds: nothing in a new row differs from it

    @staticmethod
    def _stored_copy(record: IntentRecord, existing: IntentRecord) -> IntentRecord:
        """``existing`` if it is ``record`` stored before; a :class:`Rejection` if it only shares its id or digest."""
        if existing.digest != record.digest or existing.intent_id != record.intent_id:
            raise Rejection(
                Reason.INTENT_ID_CONFLICT,
                f"intent {record.intent_id} is already stored with different content",
            ) from None
        return existing

    def add_intents(self, records: Sequence[IntentRecord]) -> list[tuple[IntentRecord, bool] | Rejection]:
        """:meth:`add_intent` of each record, in order, as ONE insert statement for all of them
        (``ON CONFLICT DO NOTHING``, the inserted ids returned): a batch intake request costs one
        store round trip, not one per intent. A record not inserted (stored before, by this
        request or an earlier one) is looked up and judged as :meth:`add_intent` judges it."""
        if not records:
            return []
        rows = [_intent_values(r) for r in records]
        with self._statement() as conn:
            if self.is_sqlite:
                inserted: set[str] = set(conn.execute(_INSERT_INTENTS_SQLITE, rows).scalars())
            else:
                columns = {c: [row[c] for row in rows] for c in _PG_ARRAY_TYPES}
                inserted = set(conn.execute(_INSERT_INTENTS_PG, columns).scalars())
        results: list[tuple[IntentRecord, bool] | Rejection] = []
        for record in records:
            if record.intent_id in inserted:
                inserted.discard(record.intent_id)  # the same intent twice in one request: the first is new
                results.append((record, True))
                continue
            existing = self.get(record.intent_id) or self.get_by_digest(record.digest)
            if existing is None:  # pragma: no cover - a conflict implies a row
                raise RuntimeError(f"intent {record.intent_id} was neither inserted nor found")
            try:
                results.append((self._stored_copy(record, existing), False))
            except Rejection as exc:
                results.append(exc)
        return results

    def merge_signatures(
        self, intent_id: str, signatures: Sequence[str], signers_: Sequence[str], *, ready: bool
    ) -> IntentRecord:
        """Add signatures (by signer address, no duplicates) to a stored intent.

        ``ready``: the union now meets the quorum; a ``received`` intent is then due at once.
        """
        now = time.time()
        with self._tx() as conn:
            row = (
                conn.execute(select(intents).where(intents.c.intent_id == intent_id).with_for_update()).mappings().one()
            )
            have_sigs: list[str] = json.loads(row["signatures_json"])
            have_signers: list[str] = json.loads(row["signers_json"])
            changed = False
            for sig, who in zip(signatures, signers_, strict=True):
                if who not in have_signers:
                    have_sigs.append(sig)
                    have_signers.append(who)
                    changed = True
            if changed:
                values: dict[str, Any] = {
                    "signatures_json": json.dumps(have_sigs),
                    "signers_json": json.dumps(have_signers),
                    "updated_at": now,
                }
                if ready and row["state"] == IntentState.RECEIVED:
                    values.update(next_attempt_at=now, reason=None)
                conn.execute(update(intents).where(intents.c.intent_id == intent_id).values(**values))
        stored = self.get(intent_id)
        assert stored is not None
        return stored

    def get(self, intent_id: str) -> IntentRecord | None:
        with self._statement() as conn:
            row = conn.execute(_INTENT_BY_ID, {"intent_id": intent_id}).mappings().first()
        return _record(row) if row else None

    def get_many(self, intent_ids: Sequence[str]) -> list[IntentRecord]:
        """The stored ones of ``intent_ids``, in one query (in no particular order)."""
        if not intent_ids:
            return []
        with self._statement() as conn:
            rows = conn.execute(_INTENTS_BY_IDS, {"intent_ids": list(intent_ids)}).mappings().all()
        return [_record(row) for row in rows]

    def get_by_digest(self, digest: str) -> IntentRecord | None:
        with self._statement() as conn:
            row = conn.execute(select(intents).where(intents.c.digest == digest)).mappings().first()
        return _record(row) if row else None

    def list_intents(
        self, state: IntentState | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[IntentRecord]:
        query = select(intents).order_by(intents.c.created_at, intents.c.intent_id).limit(limit).offset(offset)
        if state is not None:
            query = query.where(intents.c.state == state.value)
        with self._statement() as conn:
            return [_record(r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """Number of intents in each state (every state present, zeros included)."""
        with self._statement() as conn:
            rows = conn.execute(_COUNTS).all()
        found: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
        return {s.value: found.get(s.value, 0) for s in IntentState}

    def claim(
        self, states: Iterable[IntentState], *, owner: str, lease_s: float, limit: int, chain: str | None = None
    ) -> list[IntentRecord]:
        """Lease up to ``limit`` due intents in ``states`` to ``owner`` (oldest due first)."""
        now = time.time()
        params = {"states": [s.value for s in states], "now": now, "limit": limit, "chain": chain}
        query = _DUE_IDS if chain is None else _DUE_IDS_ON_CHAIN
        with self._tx() as conn:
            ids: list[str] = list(conn.execute(query, params).scalars())
            if not ids:
                return []
            conn.execute(_LEASE, {"intent_ids": ids, "owner": owner, "until": now + lease_s})
            rows = conn.execute(_INTENTS_BY_IDS, {"intent_ids": ids}).mappings().all()
        by_id = {r["intent_id"]: _record(r) for r in rows}
        return [by_id[i] for i in ids]

    def submit_gate(self, state: IntentState, *, chain: str, signer: str) -> tuple[int, int, float | None]:
        """In one statement: :meth:`live_nonce_count` of ``signer``, how many intents in ``state`` are
        due now, and since when the oldest has been due."""
        now = time.time()
        with self._statement() as conn:
            row = conn.execute(_SUBMIT_GATE, {"chain": chain, "signer": signer, "state": state.value, "now": now}).one()
        return int(row[0] or 0), int(row[1] or 0), (float(row[2]) if row[2] is not None else None)

    def release_leases(self, owner: str) -> int:
        """Hand back every lease ``owner`` holds (graceful shutdown); returns how many."""
        with self._statement() as conn:
            done = conn.execute(
                update(intents).where(intents.c.lease_owner == owner).values(lease_owner=None, lease_until=None)
            )
            return int(done.rowcount)

    def transition(
        self,
        intent_id: str,
        *,
        owner: str | None,
        state: IntentState,
        reason: str | None = None,
        delay_s: float = 0.0,
        attempt: bool = False,
        expect: Iterable[IntentState] | None = None,
        **extra: Any,
    ) -> IntentRecord:
        """Move an intent to ``state`` and drop its lease.

        ``owner``: fence on the lease (None: unfenced, for stages that do not lease). ``expect``:
        only from these states. ``attempt``: count one more attempt. Raises :class:`LeaseLost`
        when the fence or the expectation does not hold.
        """
        now = time.time()
        where = [intents.c.intent_id == intent_id]
        if owner is not None:
            where.append(intents.c.lease_owner == owner)
        if expect is not None:
            where.append(intents.c.state.in_([s.value for s in expect]))
        values: dict[str, Any] = {
            "state": state.value,
            "reason": reason,
            "lease_owner": None,
            "lease_until": None,
            "updated_at": now,
            "next_attempt_at": now + delay_s,
            **extra,
        }
        if attempt:
            values["attempts"] = intents.c.attempts + 1
        if state is IntentState.CONFIRMED and "confirmed_at" not in extra:
            values["confirmed_at"] = now
        with self._tx() as conn:
            done = conn.execute(update(intents).where(*where).values(**values))
            if done.rowcount != 1:
                raise LeaseLost(f"intent {intent_id} is no longer leased by {owner} in the expected state")
            row = conn.execute(select(intents).where(intents.c.intent_id == intent_id)).mappings().one()
        return _record(row)

    def pending_deadlines(self, chain: str) -> list[tuple[str, int]]:
        """(intent id, deadline) of intents not yet submitted, for expiry sweeps."""
        with self._statement() as conn:
            rows = conn.execute(
                select(intents.c.intent_id, intents.c.deadline).where(
                    intents.c.chain == chain,
                    intents.c.state.in_([IntentState.RECEIVED.value, IntentState.VERIFIED.value]),
                )
            ).all()
        return [(r[0], int(r[1])) for r in rows]

    # --- transactions ---------------------------------------------------------------------------

    def record_tx(self, tx: NewTx, *, owner: str | None) -> TxRow:
        """Persist a signed transaction BEFORE it is broadcast, and mark its intents submitted.

        Fenced: every intent must still be ``verified`` and leased by ``owner``, else nothing is
        written and :class:`LeaseLost` is raised (the transaction must then not be broadcast).
        """
        now = time.time()
        with self._tx() as conn:
            tx_id = self._insert_tx(conn, tx, now, replaces_id=None)
            if tx.intent_ids:
                params = {
                    "intent_ids": list(tx.intent_ids),
                    "owner": owner,
                    "tx_signer": tx.signer,
                    "tx_nonce": tx.nonce,
                    "new_tx_id": tx_id,
                    "new_tx_hash": tx.tx_hash,
                    "at": now,
                }
                done = conn.execute(_SUBMITTED, params)
                if done.rowcount != len(tx.intent_ids):  # raising rolls the whole write back
                    raise LeaseLost(f"{len(tx.intent_ids) - done.rowcount} intents of the batch were taken back")
            row = conn.execute(_TX_BY_ID, {"tx_id": tx_id}).mappings().one()
        return TxRow.from_row(row)

    def record_replacement(self, previous: TxRow, tx: NewTx) -> TxRow:
        """Persist a fee-bumped version of ``previous`` (same nonce) before it is broadcast."""
        now = time.time()
        with self._tx() as conn:
            tx_id = self._insert_tx(conn, tx, now, replaces_id=previous.id)
            if tx.intent_ids:
                conn.execute(
                    update(intents)
                    .where(intents.c.intent_id.in_(tx.intent_ids), intents.c.state == IntentState.SUBMITTED.value)
                    .values(tx_id=tx_id, tx_hash=tx.tx_hash, updated_at=now)
                )
            row = conn.execute(select(transactions).where(transactions.c.id == tx_id)).mappings().one()
        return TxRow.from_row(row)

    @staticmethod
    def _insert_tx(conn: Connection, tx: NewTx, now: float, *, replaces_id: int | None) -> int:
        values = {
            "chain": tx.chain,
            "signer": tx.signer,
            "nonce": tx.nonce,
            "tx_hash": tx.tx_hash,
            "raw_tx": tx.raw_tx,
            "kind": tx.kind,
            "intent_ids_json": json.dumps(list(tx.intent_ids)),
            "keeper_job": tx.keeper_job,
            "keeper_key": tx.keeper_key,
            "gas_limit": tx.gas_limit,
            "max_fee_per_gas": tx.max_fee_per_gas,
            "priority_fee_per_gas": tx.priority_fee_per_gas,
            "state": TxState.SIGNED.value,
            "replaces_id": replaces_id,
            "created_at": now,
        }
        result = conn.execute(_INSERT_TX, values)
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def mark_broadcast(self, tx_id: int) -> None:
        with self._statement() as conn:
            conn.execute(_MARK_BROADCAST, {"tx_id": tx_id, "at": time.time()})

    def touch_broadcast(self, tx_id: int) -> None:
        """The transaction was broadcast again (after it vanished from the node)."""
        with self._statement() as conn:
            conn.execute(
                update(transactions)
                .where(transactions.c.id == tx_id)
                .values(state=TxState.BROADCAST.value, broadcast_at=time.time(), block_number=None)
            )

    def mark_mined(self, tx_id: int, block_number: int) -> None:
        with self._statement() as conn:
            conn.execute(
                update(transactions)
                .where(transactions.c.id == tx_id)
                .values(state=TxState.MINED.value, block_number=block_number)
            )

    def live_txs(self, chain: str, signer: str) -> list[TxRow]:
        """Every not-yet-resolved transaction version of ``signer``, by nonce then age."""
        with self._statement() as conn:
            rows = conn.execute(_LIVE_TXS, {"chain": chain, "signer": signer}).mappings()
            return [TxRow.from_row(r) for r in rows]

    def live_nonce_count(self, chain: str, signer: str) -> int:
        with self._statement() as conn:
            n = conn.execute(_LIVE_NONCE_COUNT, {"chain": chain, "signer": signer}).scalar()
        return int(n or 0)

    def max_live_nonce(self, chain: str, signer: str) -> int | None:
        with self._statement() as conn:
            n = conn.execute(_MAX_LIVE_NONCE, {"chain": chain, "signer": signer}).scalar()
        return None if n is None else int(n)

    def settle_nonce(
        self,
        versions: Sequence[TxRow],
        *,
        winner: TxRow | None,
        outcome: TxState,
        block_number: int | None = None,
        gas_used: int | None = None,
        effective_gas_price: int | None = None,
        consumed: Iterable[str] = (),
        unpaid: Iterable[str] = (),
        requeue_reason: str | None = None,
    ) -> None:
        """Resolve one nonce of one signer, and the intents its transaction carried, atomically.

        ``outcome`` CONFIRMED: ``winner`` was mined deep enough; its intents are confirmed, except
        those in ``unpaid`` (skipped by the contract), which go back to ``received``.
        REVERTED: ``winner`` was mined with status 0; its intents go back to ``received``.
        DROPPED: the nonce was used by a transaction we did not send; intents in ``consumed``
        are confirmed (the contract consumed them), the others go back to ``received``.
        The other versions become ``replaced``.
        """
        now = time.time()
        ids = [v.id for v in versions]
        intent_ids = sorted({i for v in versions for i in v.intent_ids})
        consumed_set = set(consumed)
        retired = TxState.REPLACED if winner else TxState.DROPPED
        in_flight_ids = {"intent_ids": intent_ids, "tx_ids": ids}
        with self._tx() as conn:
            conn.execute(_RETIRE_VERSIONS, {"tx_ids": ids, "new_state": retired.value, "at": now})
            if winner is not None:
                winning = {
                    "tx_id": winner.id,
                    "new_state": outcome.value,
                    "block": block_number,
                    "gas": gas_used,
                    "price": effective_gas_price,
                    "at": now,
                }
                conn.execute(_SETTLE_WINNER, winning)
            if outcome is TxState.CONFIRMED and winner is not None:
                unpaid_ids = sorted(set(unpaid) & set(intent_ids))
                if unpaid_ids:
                    conn.execute(
                        update(intents)
                        .where(_IN_FLIGHT)
                        .values(
                            state=IntentState.RECEIVED.value,
                            reason=requeue_reason,
                            next_attempt_at=now,
                            lease_owner=None,
                            lease_until=None,
                            updated_at=now,
                        ),
                        {"intent_ids": unpaid_ids, "tx_ids": ids},
                    )
                confirmed = {"winner_id": winner.id, "winner_hash": winner.tx_hash, "block": block_number, "at": now}
                conn.execute(_CONFIRM_IN_FLIGHT, in_flight_ids | confirmed)
                return
            if consumed_set:
                conn.execute(
                    update(intents)
                    .where(_IN_FLIGHT, intents.c.intent_id.in_(sorted(consumed_set)))
                    .values(
                        state=IntentState.CONFIRMED.value,
                        reason="consumed on chain (the transaction that paid it was not ours to track)",
                        confirmed_at=now,
                        updated_at=now,
                    ),
                    in_flight_ids,
                )
            conn.execute(
                update(intents)
                .where(_IN_FLIGHT)
                .values(
                    state=IntentState.RECEIVED.value,
                    reason=requeue_reason,
                    next_attempt_at=now,
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                ),
                in_flight_ids,
            )

    def tx_history(self, chain: str, signer: str | None = None) -> list[TxRow]:
        query = select(transactions).where(transactions.c.chain == chain).order_by(transactions.c.id)
        if signer is not None:
            query = query.where(transactions.c.signer == signer)
        with self._statement() as conn:
            return [TxRow.from_row(r) for r in conn.execute(query).mappings()]

    # --- webhook deliveries ---------------------------------------------------------------------

    def record_delivery(self, delivery_id: str, event: str) -> bool:
        """Remember a webhook delivery id; False if it was seen before (a replay)."""
        try:
            with self._statement() as conn:
                conn.execute(
                    insert(deliveries).values(
                        delivery_id=delivery_id, event=event, received_at=time.time(), accepted=0, reason=None
                    )
                )
        except IntegrityError:
            return False
        return True

    def finish_delivery(self, delivery_id: str, *, accepted: bool, reason: str | None, intent_id: str | None) -> None:
        with self._statement() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.delivery_id == delivery_id)
                .values(accepted=int(accepted), reason=reason, intent_id=intent_id)
            )

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self._statement() as conn:
            row = conn.execute(select(deliveries).where(deliveries.c.delivery_id == delivery_id)).mappings().first()
        return dict(row) if row else None

    # --- keeper ---------------------------------------------------------------------------------

    def keeper_task(self, job: str, key: str) -> dict[str, Any] | None:
        with self._statement() as conn:
            row = (
                conn.execute(select(keeper_tasks).where(keeper_tasks.c.job == job, keeper_tasks.c.key == key))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def put_keeper_task(
        self, job: str, key: str, *, state: str, tx_id: int | None = None, detail: str | None = None
    ) -> None:
        now = time.time()
        where = and_(keeper_tasks.c.job == job, keeper_tasks.c.key == key)
        with self._tx() as conn:
            done = conn.execute(
                update(keeper_tasks).where(where).values(state=state, tx_id=tx_id, detail=detail, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(keeper_tasks).values(
                        job=job, key=key, state=state, tx_id=tx_id, detail=detail, updated_at=now
                    )
                )

    def keeper_tasks_for_tx(self, tx_ids: Iterable[int]) -> list[dict[str, Any]]:
        with self._statement() as conn:
            rows = conn.execute(select(keeper_tasks).where(keeper_tasks.c.tx_id.in_(list(tx_ids)))).mappings()
            return [dict(r) for r in rows]
