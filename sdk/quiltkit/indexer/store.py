"""The indexer's tables behind :class:`quiltkit.db.Database` (the relayer store's engine and
migration plumbing): applying a batch of logs, rolling back to a fork point, and the queries.

Exactly once: a batch (its logs, the projections they change, the block hashes seen and the
cursor) is written in ONE transaction, and each log's row is keyed by (block hash, log index). A
process killed at any point leaves the previous batch's state and cursor; the next run resumes
after that cursor, and a log applied twice would violate the key and abort its batch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, tuple_, update

from quiltkit import escrow_events as ev
from quiltkit._contract import ContractEvent
from quiltkit.db import Database
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import schema as t
from quiltkit.indexer.escrows import EscrowState, escrow_id_of
from quiltkit.indexer.families import CHILD_CLIENTS, FAMILIES, PROJECTIONS, projection_of
from quiltkit.indexer.projection import chunks as _chunks
from quiltkit.indexer.soroban_escrows import SorobanStore
from quiltkit.token_events import EVENTS as TOKEN_EVENTS

__all__ = ["Block", "IndexStore", "StoredCursor"]

_MODELS: dict[str, type[ContractEvent]] = {
    **TOKEN_EVENTS,
    **{name: m for p in PROJECTIONS for name, m in p.client.event_types.items()},
    **ev.EVENTS,
}
"""Event models by name, the escrow's winning where names repeat across families; a database
bound to a deployment decodes each row with its own contract's models first."""


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    parent_hash: str


@dataclass(frozen=True)
class StoredCursor:
    """The last block whose logs are all applied (``number``), and its hash."""

    number: int
    hash: str | None


def subject_of(event: ContractEvent) -> str | None:
    """The object of a projected family ``event`` belongs to; None for escrow and contract-wide events."""
    for projection in PROJECTIONS:
        if (subject := projection.subject(event)) is not None:
            return subject
    return None


class IndexStore(Database, SorobanStore):
    """The indexer's database (SQLite file by default, PostgreSQL by URL). It holds one EVM
    chain's index and, beside it, the indexes of Soroban escrows (:class:`SorobanStore`)."""

    migrations_package = "quiltkit.indexer"
    version_table = "quiltkit_index_version"

    # --- meta and cursor -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._statement() as conn:
            value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
            return None if value is None else str(value)

    @staticmethod
    def _put_meta(conn: Connection, key: str, value: str) -> None:
        done = conn.execute(update(t.meta).where(t.meta.c.key == key).values(value=value))
        if done.rowcount == 0:
            conn.execute(insert(t.meta).values(key=key, value=value))

    _models_by_contract: dict[str, dict[str, type[ContractEvent]]] | None = None

    def bind_chain(self, chain_id: int, contracts: dict[str, str]) -> None:
        """Record which chain and contracts this database indexes; refuse another one later."""
        self._models_by_contract = {
            address.lower(): {**_MODELS, **FAMILIES[name].event_types}
            for name, address in contracts.items()
            if name in FAMILIES
        }
        with self._tx() as conn:
            rows: dict[str, str] = {r[0]: r[1] for r in conn.execute(select(t.meta.c.key, t.meta.c.value))}
            if "chain_id" in rows:
                if int(rows["chain_id"]) != chain_id or json.loads(rows["contracts"]) != contracts:
                    raise InvalidInput(
                        f"this index holds chain {rows['chain_id']} contracts {rows['contracts']}; "
                        f"it cannot index chain {chain_id} contracts {json.dumps(contracts)} (use another database)",
                        field="database_url",
                    )
                return
            self._put_meta(conn, "chain_id", str(chain_id))
            self._put_meta(conn, "contracts", json.dumps(contracts, sort_keys=True))

    # --- child contracts (created by an indexed factory) ----------------------------------------

    def children(self) -> dict[str, tuple[str, int]]:
        """Every child contract the index follows: address -> (parent family, creation block);
        their logs decode with their own client's models from now on."""
        with self._statement() as conn:
            rows = conn.execute(select(t.children.c.address, t.children.c.family, t.children.c.block_number))
            found = {str(r[0]): (str(r[1]), int(r[2])) for r in rows}
        for address, (family, _) in found.items():
            self.register_child(address, family)
        return found

    def register_child(self, address: str, family: str) -> None:
        if self._models_by_contract is None:
            self._models_by_contract = {}
        self._models_by_contract[address.lower()] = {**_MODELS, **CHILD_CLIENTS[family].event_types}

    def cursor(self) -> StoredCursor | None:
        with self._statement() as conn:
            keys = t.meta.c.key.in_(["cursor", "cursor_hash"])
            rows: dict[str, str] = {r[0]: r[1] for r in conn.execute(select(t.meta.c.key, t.meta.c.value).where(keys))}
        if "cursor" not in rows:
            return None
        return StoredCursor(int(rows["cursor"]), rows.get("cursor_hash") or None)

    def blocks_from(self, low: int) -> list[Block]:
        """Recorded block hashes at or above ``low``, newest first."""
        with self._statement() as conn:
            rows = conn.execute(select(t.blocks).where(t.blocks.c.number >= low).order_by(t.blocks.c.number.desc()))
            return [Block(int(r.number), r.hash, r.parent_hash) for r in rows]

    def oldest_block(self) -> int | None:
        with self._statement() as conn:
            value = conn.execute(select(func.min(t.blocks.c.number))).scalar()
            return None if value is None else int(value)

    # --- applying a batch ---------------------------------------------------------------------

    def apply(
        self,
        logs: Sequence[ContractEvent],
        *,
        to_block: int,
        to_hash: str | None,
        headers: Sequence[Block],
        keep_blocks_from: int,
        children: Sequence[tuple[str, str, str, int]] = (),
    ) -> int:
        """Apply ``logs`` (chain order, all in blocks after the cursor, up to ``to_block``), record
        ``headers`` and the child contracts the logs created (address, parent, family, block),
        move the cursor to ``to_block``; one transaction. Returns the logs applied."""
        with self._tx() as conn:
            if children:
                conn.execute(
                    insert(t.children),
                    [{"address": a, "parent": p, "family": f, "block_number": b} for a, p, f, b in children],
                )
            if logs:
                conn.execute(insert(t.events), [self._event_row(e) for e in logs])
                self._project(conn, logs, replay=False)
            if headers:
                numbers = [h.number for h in headers]
                for part in _chunks(numbers):
                    conn.execute(delete(t.blocks).where(t.blocks.c.number.in_(part)))
                conn.execute(
                    insert(t.blocks),
                    [{"number": h.number, "hash": h.hash, "parent_hash": h.parent_hash} for h in headers],
                )
            conn.execute(delete(t.blocks).where(t.blocks.c.number < keep_blocks_from))
            self._put_meta(conn, "cursor", str(to_block))
            self._put_meta(conn, "cursor_hash", to_hash or "")
            self._put_meta(conn, "events", str(self._events_total(conn, len(logs))))
        return len(logs)

    def _events_total(self, conn: Connection, added: int) -> int:
        current = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "events")).scalar()
        return (int(current) if current is not None else 0) + added

    @staticmethod
    def _event_row(e: ContractEvent) -> dict[str, Any]:
        return {
            "block_hash": e.block_hash,
            "log_index": e.log_index,
            "block_number": e.block_number,
            "tx_hash": e.tx_hash,
            "contract": e.contract,
            "name": e.event_name,
            "escrow_id": escrow_id_of(e),
            "payload": e.model_dump_json(),
            "subject": subject_of(e),
        }

    def _project(self, conn: Connection, logs: Sequence[ContractEvent], *, replay: bool) -> None:
        """Fold ``logs`` into the projections. ``replay``: the escrows they touch are rebuilt from
        nothing (their full history is ``logs``), else the stored state is the starting point."""
        touched = sorted({i for e in logs if (i := escrow_id_of(e)) is not None})
        states: dict[int, EscrowState] = {} if replay else self._load_escrows(conn, touched)
        new_intents: list[dict[str, Any]] = []
        credit_deltas: dict[tuple[str, str], int] = {}
        sets: dict[int, ev.VerifierSetRegistered] | None = None  # loaded at the first EscrowCreated
        batch_sets: dict[int, ev.VerifierSetRegistered] = {}
        for e in logs:
            if isinstance(e, ev.VerifierSetRegistered):
                batch_sets[e.set_id] = e
                continue
            if isinstance(e, ev.EscrowCreated):
                if sets is None:
                    sets = self._verifier_sets(conn)
                states[e.escrow_id] = EscrowState.created(e, {**sets, **batch_sets})
                continue
            escrow_id = escrow_id_of(e)
            if escrow_id is not None:
                state = states.get(escrow_id)
                if state is None:  # an event of an escrow created before the start block: not indexed
                    continue
                state.apply(e)
                if isinstance(e, ev.IntentConsumed):
                    new_intents.append(
                        {
                            "intent_id": e.intent_id,
                            "escrow_id": e.escrow_id,
                            "milestone": e.milestone,
                            "evidence_hash": e.evidence_hash,
                            "block_number": e.block_number,
                            "tx_hash": e.tx_hash,
                        }
                    )
            elif isinstance(e, ev.CreditAccrued):
                key = (e.token, e.account)
                credit_deltas[key] = credit_deltas.get(key, 0) + e.amount
            elif isinstance(e, ev.CreditWithdrawn):
                key = (e.token, e.account)
                credit_deltas[key] = credit_deltas.get(key, 0) - e.amount
        self._write_escrows(conn, touched, states)
        if new_intents:
            conn.execute(insert(t.intents), new_intents)
        if credit_deltas:
            self._add_credits(conn, credit_deltas, replace=replay)
        self._fold_projections(conn, logs, replay=replay)

    @staticmethod
    def _fold_projections(conn: Connection, logs: Sequence[ContractEvent], *, replay: bool) -> None:
        """Hand each projection its events (chain order kept)."""
        mine: dict[int, list[ContractEvent]] = {}
        for e in logs:
            for i, projection in enumerate(PROJECTIONS):
                if projection.subject(e) is not None:
                    mine.setdefault(i, []).append(e)
                    break
        for i, events in mine.items():
            PROJECTIONS[i].fold(conn, events, replay=replay)

    @staticmethod
    def _verifier_sets(conn: Connection) -> dict[int, ev.VerifierSetRegistered]:
        """Every registered verifier set the index holds, by set id (from the stored events: a set
        is registered once, and a reorg that removes its event removes it from here too)."""
        rows = conn.execute(select(t.events.c.payload).where(t.events.c.name == ev.VerifierSetRegistered.event_name))
        found = [ev.VerifierSetRegistered.model_validate_json(r[0]) for r in rows]
        return {e.set_id: e for e in found}

    @staticmethod
    def _load_escrows(conn: Connection, ids: Sequence[int]) -> dict[int, EscrowState]:
        states: dict[int, EscrowState] = {}
        for part in _chunks(ids):
            for row in conn.execute(select(t.escrows).where(t.escrows.c.escrow_id.in_(part))).mappings():
                states[int(row["escrow_id"])] = EscrowState.from_row(row)
        return states

    @staticmethod
    def _write_escrows(conn: Connection, ids: Sequence[int], states: dict[int, EscrowState]) -> None:
        """Replace the rows of escrows ``ids`` by ``states`` (an id missing from it is deleted)."""
        for part in _chunks(ids):
            conn.execute(delete(t.escrows).where(t.escrows.c.escrow_id.in_(part)))
        rows = [states[i].to_row() for i in ids if i in states]
        if rows:
            conn.execute(insert(t.escrows), rows)

    @staticmethod
    def _add_credits(conn: Connection, deltas: dict[tuple[str, str], int], *, replace: bool) -> None:
        keys = list(deltas)
        current: dict[tuple[str, str], int] = {}
        for part in _chunks(keys):
            if not replace:
                rows = conn.execute(select(t.credits).where(tuple_(t.credits.c.token, t.credits.c.account).in_(part)))
                current.update({(r.token, r.account): int(r.amount) for r in rows})
            conn.execute(delete(t.credits).where(tuple_(t.credits.c.token, t.credits.c.account).in_(part)))
        rows_out = [
            {"token": k[0], "account": k[1], "amount": str(current.get(k, 0) + d)}
            for k, d in deltas.items()
            if current.get(k, 0) + d != 0
        ]
        if rows_out:
            conn.execute(insert(t.credits), rows_out)

    # --- reorgs ------------------------------------------------------------------------------

    def rollback(self, fork_block: int, fork_hash: str | None) -> int:
        """Undo every log above ``fork_block``: delete them, rebuild the projections they touched
        from the logs that remain, and move the cursor to the fork point. Returns the logs undone."""
        with self._tx() as conn:
            undone = [
                self._model(r)
                for r in conn.execute(select(t.events).where(t.events.c.block_number > fork_block)).mappings()
            ]
            conn.execute(delete(t.events).where(t.events.c.block_number > fork_block))
            conn.execute(delete(t.blocks).where(t.blocks.c.number > fork_block))
            conn.execute(delete(t.intents).where(t.intents.c.block_number > fork_block))
            conn.execute(delete(t.children).where(t.children.c.block_number > fork_block))
            subjects = sorted({s for e in undone if (s := subject_of(e)) is not None})
            if subjects:  # the objects they touched, cleared and folded again from their remaining events
                for subject in subjects:
                    projection_of(subject).clear(conn, [projection_of(subject).key(subject)])
                remaining: list[ContractEvent] = []
                for part in _chunks(subjects):
                    rows = conn.execute(select(t.events).where(t.events.c.subject.in_(part))).mappings()
                    remaining += [self._model(r) for r in rows]
                remaining.sort(key=lambda e: (e.block_number, e.log_index))
                self._fold_projections(conn, remaining, replay=True)
            touched = sorted({i for e in undone if (i := escrow_id_of(e)) is not None})
            history: list[ContractEvent] = []
            for part in _chunks(touched):
                rows = conn.execute(
                    select(t.events)
                    .where(t.events.c.escrow_id.in_(part))
                    .order_by(t.events.c.block_number, t.events.c.log_index)
                ).mappings()
                history += [self._model(r) for r in rows]
            history.sort(key=lambda e: (e.block_number, e.log_index))
            # replay: escrows rebuilt from their remaining history; their intents are re-inserted
            for part in _chunks(touched):
                conn.execute(delete(t.intents).where(t.intents.c.escrow_id.in_(part)))
            self._write_escrows(conn, touched, {})
            self._project(conn, history, replay=True)
            credit_keys = {(e.token, e.account) for e in undone if isinstance(e, ev.CreditAccrued | ev.CreditWithdrawn)}
            if credit_keys:
                credit_history = [
                    e
                    for r in conn.execute(
                        select(t.events)
                        .where(t.events.c.name.in_(["CreditAccrued", "CreditWithdrawn"]))
                        .order_by(t.events.c.block_number, t.events.c.log_index)
                    ).mappings()
                    if (e := self._model(r)) and (e.token, e.account) in credit_keys  # type: ignore[attr-defined]
                ]
                deltas: dict[tuple[str, str], int] = dict.fromkeys(credit_keys, 0)
                for e in credit_history:
                    sign = 1 if isinstance(e, ev.CreditAccrued) else -1
                    key = (e.token, e.account)  # type: ignore[attr-defined]
                    deltas[key] += sign * e.amount  # type: ignore[attr-defined]
                self._add_credits(conn, deltas, replace=True)
            self._put_meta(conn, "cursor", str(fork_block))
            self._put_meta(conn, "cursor_hash", fork_hash or "")
            self._put_meta(conn, "events", str(self._events_total(conn, -len(undone))))
            reorgs = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "reorgs")).scalar()
            self._put_meta(conn, "reorgs", str(int(reorgs or 0) + 1))
        return len(undone)

    def _model(self, row: Any) -> ContractEvent:
        models = (self._models_by_contract or {}).get(str(row["contract"]).lower(), _MODELS)
        return models[row["name"]].model_validate_json(row["payload"])

    # --- reads for queries and verify ----------------------------------------------------------

    def select(self, statement: Any) -> list[Any]:
        with self._statement() as conn:
            return list(conn.execute(statement).mappings().all())

    def escrow_states(self, ids: Sequence[int] | None = None) -> dict[int, EscrowState]:
        with self._tx() as conn:
            if ids is None:
                ids = [int(r[0]) for r in conn.execute(select(t.escrows.c.escrow_id))]
            return self._load_escrows(conn, ids)

    def credits(self) -> dict[tuple[str, str], int]:
        with self._statement() as conn:
            return {(r.token, r.account): int(r.amount) for r in conn.execute(select(t.credits))}

    def consumed_intents(self) -> list[str]:
        with self._statement() as conn:
            return [str(r[0]) for r in conn.execute(select(t.intents.c.intent_id))]

    def consumed_intent_milestones(self) -> list[tuple[str, int, int]]:
        """(intent id, escrow id, milestone) of every intent that paid a milestone."""
        query = select(t.intents.c.intent_id, t.intents.c.escrow_id, t.intents.c.milestone)
        with self._statement() as conn:
            return [(str(r[0]), int(r[1]), int(r[2])) for r in conn.execute(query)]

    def event_keys(self) -> list[tuple[str, int]]:
        with self._statement() as conn:
            return [
                (r.block_hash, int(r.log_index))
                for r in conn.execute(select(t.events.c.block_hash, t.events.c.log_index))
            ]

    def history_rows(self, escrow_id: int, offset: int, limit: int) -> list[Any]:
        with self._statement() as conn:
            return list(
                conn.execute(
                    select(t.events)
                    .where(and_(t.events.c.escrow_id == escrow_id))
                    .order_by(t.events.c.block_number, t.events.c.log_index)
                    .offset(offset)
                    .limit(limit)
                ).mappings()
            )
