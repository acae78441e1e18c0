"""Alembic environment: migrations run on the connection :meth:`Store.migrate` passes in."""

from __future__ import annotations

from quiltkit.db import run_migrations
from quiltkit_relayer.store.schema import metadata

run_migrations(metadata, "quiltkit_relayer.store.Store.migrate (or `quiltkit relayer migrate`)")
