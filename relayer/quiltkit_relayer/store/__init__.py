"""Durable store and queue of the relayer (SQLite by default, PostgreSQL for several instances)."""

# Imported for its side effect: the badges table joins schema.metadata (migrations and their check see it).
from quiltkit_relayer.store import badge_schema  # noqa: F401
from quiltkit_relayer.store.store import LeaseLost, NewTx, Store, TxRow

__all__ = ["LeaseLost", "NewTx", "Store", "TxRow"]
