"""Alembic environment: migrations run on the connection :meth:`IndexStore.migrate` passes in."""

from __future__ import annotations

from quiltkit.db import run_migrations
from quiltkit.indexer.schema import metadata

run_migrations(metadata, "quiltkit.indexer.IndexStore.migrate (or `quiltkit index run`)")
