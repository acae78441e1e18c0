"""The database layer shared by the relayer's store and the indexer: one SQLAlchemy engine per URL
(SQLite by default, PostgreSQL by URL), transactions that behave the same on both, and alembic
migrations shipped inside a package.

Needs the ``indexer`` (or ``relayer``) extra: SQLAlchemy and alembic.

SQLite: a connection per checkout, WAL, ``BEGIN IMMEDIATE`` for every write transaction (one
writer at a time, safe for threads and processes sharing the file). PostgreSQL: a pool of
connections in autocommit mode, a transaction starting with the ``BEGIN`` that
:meth:`Database._tx` sends, so a lone statement needs no ``BEGIN``/``COMMIT`` round trips.

Several components may share one database: each keeps its alembic revisions in its own version
table (the relayer ``alembic_version``, the indexer ``quiltkit_index_version``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool

from quiltkit.exceptions import InvalidInput

__all__ = ["PING_AFTER_IDLE_S", "Database", "run_migrations"]

PING_AFTER_IDLE_S = 1.0
_ONE_STATEMENT = "quiltkit_one_statement"
_LAST_USED = "quiltkit_last_used"
_MIGRATION_LOCK = 0x7175696C74  # "quilt": PostgreSQL advisory lock taken while migrating


class Database:
    """One SQLAlchemy engine with the project's transaction conventions (thread-safe; share one per
    process). Subclasses add their tables' operations and name their migrations."""

    migrations_package: str = ""
    """The package whose ``migrations/`` folder holds this component's alembic scripts."""
    version_table: str = "alembic_version"
    """The table alembic records this component's revision in."""

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        pool_size: int = 8,
        ping_after_idle_s: float = PING_AFTER_IDLE_S,
        read_only: bool = False,
    ) -> None:
        """``pool_size``: PostgreSQL connections kept open, which should cover the threads that use
        the database at once; beyond it a few more are opened and closed per use, and opening one
        costs the server a new backend process. ``ping_after_idle_s``: a pooled PostgreSQL
        connection unused this long is checked before it is handed out (one used more recently is
        trusted; see :meth:`_ping_idle_connections`).

        ``read_only``: for a process that only reads (the indexer's HTTP API). The database itself
        refuses writes (SQLite ``query_only``, PostgreSQL read-only transactions), a SQLite
        transaction takes no write lock (plain ``BEGIN``), and a SQLite file that does not exist is
        refused (:class:`~quiltkit.exceptions.InvalidInput`) instead of created empty."""
        self.url = url
        self.read_only = read_only
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = parsed.database or ":memory:"
            if read_only and path != ":memory:" and not Path(path).is_file():
                raise InvalidInput(f"no database at {path}", field="database_url")
            # A connection per checkout: BEGIN IMMEDIATE + busy timeout serialise writers safely.
            self.engine: Engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})
            self._sqlite_pragmas(self.engine, sqlite_synchronous, read_only=read_only)
        else:
            # The driver runs in autocommit mode: a transaction starts with the BEGIN that _tx
            # sends (see _begin_transactions), and a lone statement needs no BEGIN/COMMIT at all.
            # Read-only: every transaction, the autocommit statements' included, is READ ONLY.
            options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=4, isolation_level="AUTOCOMMIT", connect_args=options
            )
            self._ping_idle_connections(self.engine, ping_after_idle_s)
        self._begin_transactions(self.engine, "BEGIN IMMEDIATE" if self.is_sqlite and not read_only else "BEGIN")
        self._one_statement = self.engine.execution_options(**{_ONE_STATEMENT: True})

    @staticmethod
    def _sqlite_pragmas(engine: Engine, synchronous: str, *, read_only: bool) -> None:
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # autocommit: _begin_transactions issues BEGIN
            cursor = dbapi_connection.cursor()
            if read_only:  # WAL is a property of the file, which its writer set: a reader leaves it be
                cursor.execute("PRAGMA query_only=ON")
            else:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

    @staticmethod
    def _begin_transactions(engine: Engine, begin: str) -> None:
        """Send ``begin`` when a :meth:`_tx` transaction starts (not for :meth:`_statement`).

        Both drivers are in autocommit mode, so a lone statement is its own transaction, and the
        COMMIT or ROLLBACK that ends a _tx is sent by the driver because the server reports a
        transaction open (psycopg and sqlite3 both skip them when none is).
        """

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            if not conn.get_execution_options().get(_ONE_STATEMENT):
                conn.exec_driver_sql(begin)

    @staticmethod
    def _ping_idle_connections(engine: Engine, idle_s: float) -> None:
        """Check a pooled connection before reuse only if it sat unused for ``idle_s``.

        SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per call, while under
        load connections come back within milliseconds. A server restart or an idle timeout is
        what the ping is for; a connection that fails anyway (used just before a restart) fails
        its one call, and SQLAlchemy then drops every connection older than the failure.
        """

        def _used(_dbapi_connection: Any, record: Any) -> None:
            record.info[_LAST_USED] = time.monotonic()

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            if time.monotonic() - record.info.get(_LAST_USED, 0.0) < idle_s:
                return
            try:
                dbapi_connection.execute("SELECT 1")
            except Exception as exc:  # the pool replaces the connection and tries again
                raise DisconnectionError(str(exc)) from exc

        event.listen(engine, "connect", _used)
        event.listen(engine, "checkin", _used)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """A transaction: BEGIN (IMMEDIATE on SQLite), then COMMIT, or ROLLBACK on an exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _statement(self) -> Iterator[Connection]:
        """A connection for ONE statement, atomic by itself: it skips the BEGIN and COMMIT round
        trips of :meth:`_tx`, and on SQLite a read takes no write lock."""
        with self._one_statement.connect() as conn:
            yield conn

    # --- schema ---------------------------------------------------------------------------------

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with the migrations shipped in :attr:`migrations_package`
        (under a PostgreSQL advisory lock, so instances starting together migrate once)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(files(self.migrations_package).joinpath("migrations")))
        with self._tx() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            cfg.attributes["version_table"] = self.version_table
            command.upgrade(cfg, revision)

    def schema_revision(self) -> str | None:
        with self._statement() as conn:
            try:
                return conn.execute(text(f"SELECT version_num FROM {self.version_table}")).scalar()  # noqa: S608
            except Exception:
                return None


def run_migrations(metadata: MetaData, owner: str) -> None:
    """The body of a component's alembic ``env.py``: run on the connection :meth:`Database.migrate`
    passes in, recording revisions in that component's version table. ``owner`` names the
    ``migrate`` to use in the error raised when alembic is run some other way."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):  # pragma: no cover - only Database.migrate runs these
        raise RuntimeError(f"run migrations through {owner}")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        version_table=context.config.attributes.get("version_table", "alembic_version"),
    )
    context.run_migrations()
