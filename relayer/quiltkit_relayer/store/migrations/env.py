"""Alembic environment: migrations run on the connection :meth:`Store.migrate` passes in."""

from __future__ import annotations

from alembic import context
from quiltkit_relayer.store.schema import metadata
from sqlalchemy import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):  # pragma: no cover - only Store.migrate runs these
    raise RuntimeError("run migrations through quiltkit_relayer.store.Store.migrate (or `quiltkit relayer migrate`)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
context.run_migrations()
