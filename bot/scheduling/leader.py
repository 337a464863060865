"""Exactly one instance runs the scheduler: the holder of a PostgreSQL advisory lock.

The lock lives on a dedicated connection; when its process dies the server
drops the connection and the lock, and the next instance to ask gets it.
SQLite means one instance, which is always the leader.

A connection can also go silent without dying (a half-open TCP path): the
server keeps the backend, and with it the lock, while this instance's queries
never come back. So every question to the database has a deadline; a lock
connection that misses it is abandoned, and its backend (recognised by pid,
start time and application name, so never another instance's) is terminated
when the database answers again, which lets this instance take the lock back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.storage.database import PG_CONNECT_ARGS

logger = logging.getLogger(__name__)

# An arbitrary, fixed 64-bit key: "deskbot-scheduler".
LOCK_KEY = 0x6465736B626F7473
DEADLINE_SECONDS = 5.0

T = TypeVar("T")


class Unanswered(Exception):
    """The database did not answer within the deadline."""


@dataclass(frozen=True)
class Backend:
    """The server process that held the lock for this instance."""

    pid: int
    started: datetime


class LeaderLock:
    def __init__(self, database_url: str, deadline_seconds: float = DEADLINE_SECONDS) -> None:
        self._sqlite = make_url(database_url).get_backend_name() == "sqlite"
        self._name = f"deskbot-scheduler {socket.gethostname()}:{os.getpid()}"[:63]
        self._engine = (
            None
            if self._sqlite
            else create_engine(
                database_url,
                poolclass=NullPool,
                connect_args={**PG_CONNECT_ARGS, "application_name": self._name},
            )
        )
        self._deadline = deadline_seconds
        self._connection: Connection | None = None
        self._backend: Backend | None = None
        self._orphans: list[Backend] = []
        self._generation = 0  # moves on when a connection is abandoned: a late answer is then ignored
        self.last_error: str | None = None

    def hold(self) -> bool:
        """True while this instance leads; tries to become leader when it does not."""
        if self._sqlite:
            return True
        try:
            if self._connection is not None:
                self._within_deadline(lambda: _ping(self._connection))
                self.last_error = None
                return True
            generation = self._generation
            return self._within_deadline(lambda: self._acquire(generation))
        except Exception as error:
            self.last_error = str(error) if isinstance(error, Unanswered) else type(error).__name__
            if self._connection is not None:
                logger.error("scheduler leadership lost: %s", self.last_error)
            self._abandon()
            return False

    def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            self._backend = None
            _close_quietly(connection)

    def _acquire(self, generation: int) -> bool:
        assert self._engine is not None
        connection = self._engine.connect()
        try:
            self._end_orphans(connection)
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
            if not got:
                connection.close()
                self.last_error = None
                return False
            row = connection.execute(
                text("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
            ).one()
            connection.commit()
        except Exception:
            _close_quietly(connection)
            raise
        if generation != self._generation:  # answered after its deadline: the caller has given up on it
            _close_quietly(connection)
            return False
        self._connection, self._backend, self.last_error = connection, Backend(int(row[0]), row[1]), None
        logger.info("this instance now runs the scheduler")
        return True

    def _end_orphans(self, connection: Connection) -> None:
        """Terminate the backends this instance abandoned, so the lock they hold is freed."""
        still: list[Backend] = []
        for orphan in self._orphans:
            alive = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE pid = :pid AND backend_start = :started AND application_name = :name"
                ),
                {"pid": orphan.pid, "started": orphan.started, "name": self._name},
            ).first()
            if alive is not None:
                logger.warning("ended this instance's abandoned scheduler connection (backend %d)", orphan.pid)
                if not alive[0]:
                    still.append(orphan)
        connection.commit()
        self._orphans = still

    def _abandon(self) -> None:
        """Drop the lock connection without waiting on it; remember its backend to end it later."""
        self._generation += 1
        if self._backend is not None:
            self._orphans.append(self._backend)
        connection, self._connection, self._backend = self._connection, None, None
        if connection is not None:
            threading.Thread(target=_close_quietly, args=(connection,), daemon=True).start()

    def _within_deadline(self, work: Callable[[], T]) -> T:
        """`work()`'s result, or `Unanswered` when it has not returned within the deadline (it is left behind)."""
        outcome: list[tuple[bool, object]] = []

        def run() -> None:
            try:
                outcome.append((True, work()))
            except BaseException as error:
                outcome.append((False, error))

        worker = threading.Thread(target=run, name="deskbot-leader-query", daemon=True)
        worker.start()
        worker.join(self._deadline)
        if not outcome:
            raise Unanswered(f"the database did not answer within {self._deadline:g} s")
        ok, value = outcome[0]
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]


def _ping(connection: Connection | None) -> None:
    assert connection is not None
    connection.execute(text("SELECT 1"))
    connection.commit()


def _close_quietly(connection: Connection) -> None:
    try:
        connection.close()
    except Exception:
        pass
