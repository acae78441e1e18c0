"""Durable store and queue of the relayer (SQLite by default, PostgreSQL for several instances)."""

from quiltkit_relayer.store.store import LeaseLost, NewTx, Store, TxRow

__all__ = ["LeaseLost", "NewTx", "Store", "TxRow"]
