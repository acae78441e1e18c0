"""Follow one Soroban escrow's events into an :class:`IndexStore`, from either backend.

- :class:`~quiltkit.soroban.LocalHost` (the harness): its event log, read with ``events`` from
  a cursor that counts the host's events (the harness keeps every event since it started).
- :class:`~quiltkit.soroban.Rpc` (a Stellar RPC server): ``getEvents`` filtered by the contract
  id, from ``start_ledger`` the first time, then from the cursor the RPC answered, which moves past
  every event the RPC scanned. An RPC keeps recent ledgers only (a day by default): an index
  that stops for longer than that loses the events in between, and says so (the RPC refuses the
  stale cursor with an error).

A step reads one page and applies it with the cursor in one transaction; the index is keyed by
the network passphrase and the contract id, so it resumes wherever it stopped and several escrows
(and an EVM chain's index) share one database. Stellar ledgers are final (SCP): no reorg handling.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from quiltkit.exceptions import InvalidInput
from quiltkit.indexer.soroban_escrows import SorobanCursor
from quiltkit.indexer.store import IndexStore
from quiltkit.soroban.backend import MAX_EVENTS_PAGE, LocalHost, Rpc
from quiltkit.soroban.escrow import SorobanEscrow

__all__ = ["SorobanIndexer", "SorobanStepResult"]


@dataclass(frozen=True)
class SorobanStepResult:
    applied: int = 0
    read: int = 0
    cursor: str = ""
    caught_up: bool = False


class SorobanIndexer:
    """One Soroban escrow contract, one database. ``start_ledger``: where an RPC starts reading
    the first time (the ledger the contract was deployed in, or later: escrows created before it
    are not indexed); the harness always starts at its first event. ``page``: events per read."""

    def __init__(
        self, escrow: SorobanEscrow, store: IndexStore, *, start_ledger: int | None = None, page: int = 200
    ) -> None:
        if not isinstance(page, int) or not 1 <= page <= MAX_EVENTS_PAGE:
            raise InvalidInput(f"page must be an integer in 1..{MAX_EVENTS_PAGE}, got {page!r}", field="page")
        backend = escrow.backend
        if isinstance(backend, LocalHost):
            self.source = "harness"
        elif isinstance(backend, Rpc):
            self.source = "rpc"
        else:
            raise InvalidInput(f"cannot read events from a {type(backend).__name__}", field="backend")
        if start_ledger is not None and (not isinstance(start_ledger, int) or start_ledger < 1):
            raise InvalidInput(
                f"start_ledger must be a ledger sequence >= 1, got {start_ledger!r}", field="start_ledger"
            )
        self.escrow, self.store, self.page, self.start_ledger = escrow, store, page, start_ledger
        self.network = escrow.network_passphrase
        self.contract = escrow.contract_id
        self._prepared = False

    def prepare(self) -> SorobanCursor:
        """Migrate the schema and bind (or find) this contract's cursor."""
        self.store.migrate()
        cursor = self.store.soroban_bind(self.network, self.contract, self.source, self.start_ledger)
        if self.source == "rpc" and not cursor.cursor and cursor.start_ledger is None:
            raise InvalidInput(
                "a Stellar RPC has no 'from the beginning': give start_ledger (the escrow's deployment ledger)",
                field="start_ledger",
            )
        self._prepared = True
        return cursor

    def step(self) -> SorobanStepResult:
        """Read one page of the contract's events after the cursor and apply it."""
        cursor = self.prepare() if not self._prepared else self.store.soroban_cursor(self.network, self.contract)
        assert cursor is not None
        backend = self.escrow.backend
        if isinstance(backend, LocalHost):
            events, after = backend.events(cursor=int(cursor.cursor or 0), limit=self.page, contract=self.contract)
            next_cursor = str(after)
        else:
            assert isinstance(backend, Rpc)
            if cursor.cursor:
                events, next_cursor = backend.events(cursor=cursor.cursor, limit=self.page, contract=self.contract)
            else:
                events, next_cursor = backend.events(
                    start_ledger=cursor.start_ledger, limit=self.page, contract=self.contract
                )
        applied = self.store.soroban_apply(self.network, self.contract, events, next_cursor)
        return SorobanStepResult(
            applied=applied, read=len(events), cursor=next_cursor, caught_up=len(events) < self.page
        )

    def sync(self, *, max_steps: int | None = None) -> int:
        """Read until a page comes back short (caught up); returns the events applied."""
        applied, steps = 0, 0
        while max_steps is None or steps < max_steps:
            result = self.step()
            applied += result.applied
            steps += 1
            if result.caught_up:
                break
        return applied

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        poll_interval: float = 1.0,
        on_step: Callable[[SorobanStepResult], object] | None = None,
    ) -> None:
        """Follow the contract until ``stop`` is set (a Stellar ledger closes every ~5 s)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            result = self.step()
            if on_step is not None:
                on_step(result)
            if result.caught_up:
                stop.wait(poll_interval)
