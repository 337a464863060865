"""Engine and session factory; the schema is brought to the latest revision on start (`schema.py`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
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
    """A connection pool that asks a gate, then pings with a deadline, before handing out a connection.

    SQLAlchemy's pre-ping waits as long as the network is broken: a pooled connection
    whose path went half-open (a NAT or firewall forgot it) never answers, and neither
    keepalives nor libpq notice when a middlebox still acknowledges. So the gate (set by
    `DatabaseHealth.guard`) refuses at once while the database is known to be away, and
    each checkout is pinged on a thread of its own with `PING_DEADLINE_SECONDS`: a
    connection that does not answer is given up (the ping's thread discards it if it
    ever returns) and another is tried.
    """

    gate: Callable[[], None] | None = None

    def connect(self) -> PoolProxiedConnection:
        if self.gate is not None:
            self.gate()
        for _attempt in range(CHECKOUT_ATTEMPTS):
            connection = super().connect()
            if _answers_within(connection, PING_DEADLINE_SECONDS):
                return connection
        raise OperationalError(
            "(no pooled or new connection answered)", None, TimeoutError(f"{CHECKOUT_ATTEMPTS} pings unanswered")
        )

    def recreate(self) -> QueuePool:
        fresh = super().recreate()
        if isinstance(fresh, GatedQueuePool):
            fresh.gate = self.gate
        return fresh


PING_DEADLINE_SECONDS = 2.0
CHECKOUT_ATTEMPTS = 3


def _answers_within(connection: PoolProxiedConnection, deadline: float) -> bool:
    """True when `connection` answers `SELECT 1` in time; a dead one is discarded, a silent one left to its thread."""
    state = {"done": False, "answered": False, "given_up": False}
    lock = threading.Lock()

    def ping() -> None:
        try:
            dbapi_connection = connection.dbapi_connection
            assert dbapi_connection is not None
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
            answered = True
        except Exception:
            answered = False
        with lock:
            state["done"], state["answered"] = True, answered
            discard = state["given_up"] or not answered
        if discard:  # only this thread touches the connection, so closing it here is safe
            connection.invalidate()
            if state["given_up"]:
                connection.close()

    worker = threading.Thread(target=ping, name="deskbot-db-checkout-ping", daemon=True)
    worker.start()
    worker.join(deadline)
    with lock:
        if not state["done"]:
            state["given_up"] = True
            return False
    if not state["answered"]:
        connection.close()
        return False
    return True


def open_engine(url: str) -> Engine:
    """An engine for `url`, schema untouched: SQLite gets its folder, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            poolclass=GatedQueuePool,  # pings each checkout itself, with a deadline
            pool_pre_ping=False,
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
