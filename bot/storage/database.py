"""Engine and session factory; the schema is brought to the latest revision on start (`schema.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from bot.storage.schema import upgrade_schema


def create_database(url: str) -> sessionmaker[Session]:
    """Connect, upgrade the schema to head (under the schema lock), and return a session factory."""
    engine = open_engine(url)
    upgrade_schema(engine)
    if engine.dialect.name == "postgresql":
        # After the upgrade (which may wait on the schema lock and run long statements),
        # every statement of the running bot gets a server-side limit.
        engine.dispose()
        event.listen(engine, "connect", _statement_timeout)
    return sessionmaker(engine, expire_on_commit=False)


STATEMENT_TIMEOUT_MS = 30_000


def _statement_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    cursor.close()
    dbapi_connection.commit()


# libpq's own settings: give up connecting after 5 s, and let TCP keepalives find a dead or
# half-open connection within about 25 s instead of the kernel's two hours.
PG_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
POOL_TIMEOUT_SECONDS = 10


class GatedQueuePool(QueuePool):
    """A connection pool with a gate asked before every checkout, ahead of the pre-ping.

    The pre-ping on a silent database waits as long as the network is broken; the
    gate (set by `DatabaseHealth.guard`) refuses at once while the database is known
    to be away.
    """

    gate: Callable[[], None] | None = None

    def connect(self) -> PoolProxiedConnection:
        if self.gate is not None:
            self.gate()
        return super().connect()

    def recreate(self) -> QueuePool:
        fresh = super().recreate()
        if isinstance(fresh, GatedQueuePool):
            fresh.gate = self.gate
        return fresh


def open_engine(url: str) -> Engine:
    """An engine for `url`, schema untouched: SQLite gets its folder, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            poolclass=GatedQueuePool,
            pool_pre_ping=True,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args=PG_CONNECT_ARGS,
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the HTTP threads read while a job writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
