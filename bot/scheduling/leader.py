"""Exactly one instance runs the scheduler: the holder of a PostgreSQL advisory lock.

The lock lives on a dedicated connection; when its process dies the server
drops the connection and the lock, and the next instance to ask gets it.
SQLite means one instance, which is always the leader.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# An arbitrary, fixed 64-bit key: "deskbot-scheduler".
LOCK_KEY = 0x6465736B626F7473


class LeaderLock:
    def __init__(self, database_url: str) -> None:
        self._sqlite = make_url(database_url).get_backend_name() == "sqlite"
        self._engine = None if self._sqlite else create_engine(database_url, poolclass=None, pool_pre_ping=True)
        self._connection: Connection | None = None

    def hold(self) -> bool:
        """True while this instance leads; tries to become leader when it does not."""
        if self._sqlite:
            return True
        assert self._engine is not None
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))
                return True
            connection = self._engine.connect()
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
            if got:
                connection.commit()
                self._connection = connection
                logger.info("this instance now runs the scheduler")
                return True
            connection.close()
            return False
        except Exception as error:
            logger.warning("scheduler leadership lost or unavailable: %s", type(error).__name__)
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None
