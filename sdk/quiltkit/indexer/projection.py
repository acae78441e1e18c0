"""What a contract family plugs into the indexer: its projection.

A projection folds a family's events into its own tables. Each event it cares about names its
*subject*, the object it belongs to (``proposal:7``, ``badge:0xab..:3``): an object's rows are a
function of its own events alone, so the store can undo a reorganisation generically, by deleting
the rows of every subject a rolled-back event touched and folding that subject's remaining events
again (``replay``). Events without a subject (roles, pauses) are kept in the event log only.

The escrow projection predates this interface and keys its events by escrow id instead
(``qx_events.escrow_id``); every family added since is a :class:`Projection`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict
from sqlalchemy import Connection, Table, delete

from quiltkit._contract import ContractClient, ContractEvent
from quiltkit._model import Model

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = ["Difference", "Projection", "chunks", "differences"]

_CHUNK = 500  # keys per IN (...) list


def chunks(items: Sequence[Any], n: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class Difference(Model):
    """One field where the index and the chain disagree."""

    model_config = ConfigDict(frozen=True)

    object: str
    field: str
    indexed: Any
    on_chain: Any

    def __str__(self) -> str:
        return f"{self.object}: {self.field} indexed {self.indexed!r}, on chain {self.on_chain!r}"


def differences(name: str, pairs: dict[str, tuple[Any, Any]]) -> list[Difference]:
    """The fields of ``name`` whose (indexed, on chain) pair differs."""
    return [Difference(object=name, field=f, indexed=a, on_chain=b) for f, (a, b) in pairs.items() if a != b]


class Projection(ABC):
    """One family's tables, folded from its events; registered in :mod:`quiltkit.indexer.families`."""

    family: ClassVar[str]
    """The contract's name in a deployment manifest (``QuiltkitGovernor``)."""
    client: ClassVar[type[ContractClient]]
    """The SDK client whose ABI decodes the family's logs and whose views ``verify`` reads."""
    kind: ClassVar[str]
    """The subject prefix (``proposal``): ``subject()`` returns ``f"{kind}:{key}"``."""
    tables: ClassVar[tuple[tuple[Table, str], ...]]
    """The family's tables, each with the column holding its rows' subject key (what :meth:`clear`
    deletes by)."""

    @abstractmethod
    def subject(self, event: ContractEvent) -> str | None:
        """The object ``event`` belongs to (``f"{kind}:{key}"``), None if not this family's or
        contract-wide."""

    @abstractmethod
    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        """Apply ``events`` (chain order, only those with a subject of this family). ``replay``:
        their subjects' rows were cleared and ``events`` is their whole history."""

    def clear(self, conn: Connection, keys: Sequence[str]) -> None:
        """Delete every row of the subjects ``keys`` (the part after ``kind:``)."""
        for table, column in self.tables:
            for part in chunks(list(keys)):
                conn.execute(delete(table).where(table.c[column].in_(part)))

    @abstractmethod
    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Every projected object of the contract at ``address`` against its views at ``block``."""

    def counts(self, store: IndexStore) -> dict[str, int]:
        """Objects indexed, by name, for ``quiltkit index status`` (e.g. ``{"proposals": 12}``)."""
        return {}

    def key(self, subject: str) -> str:
        return subject.split(":", 1)[1]

    # --- child contracts (a factory family) ------------------------------------------------------

    child_client: ClassVar[type[ContractClient] | None] = None
    """The client of the contracts this family's factory creates (None: it creates none). The
    indexer follows each one from the block of the event that created it."""

    def child_of(self, event: ContractEvent) -> str | None:
        """The address of the contract ``event`` says the factory created, None for other events."""
        return None
