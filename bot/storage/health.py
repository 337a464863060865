"""Whether the database answers, known without waiting on it.

A PostgreSQL behind a broken network path may accept a connection and then say
nothing: a query on it waits as long as the path stays broken, and neither
libpq's timeouts nor TCP keepalives notice (a middlebox answers the probes).
So a watchdog asks the database a trivial question on a fresh connection every
few seconds and gives it a deadline; callers read the verdict instantly and
answer from memory while it is "unavailable", instead of queueing behind a
query that will not come back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool

from bot.storage.database import GatedQueuePool

logger = logging.getLogger(__name__)

PING_EVERY_SECONDS = 2.0
PING_DEADLINE_SECONDS = 1.5
# libpq's smallest connect_timeout is 2 s; the watchdog's own deadline is what decides.
ABANDON_PING_AFTER_SECONDS = 30.0
PING_CONNECT_ARGS = {"connect_timeout": 2}

# The errors that mean "the database is away" (refused, dropped, timed out, pool exhausted),
# as opposed to a statement the database refused, which is a fault to report.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeout)

# How many answers the current command took from memory because the database could not give them.
_from_memory: ContextVar[int] = ContextVar("deskbot_answers_from_memory", default=0)


@contextmanager
def counting_memory_answers() -> Iterator[Callable[[], int]]:
    """Within the block, count the reads answered from memory; yields a function returning the count."""
    token = _from_memory.set(0)
    try:
        yield _from_memory.get
    finally:
        _from_memory.reset(token)


def note_memory_answer() -> None:
    """A read of the current command was answered from memory (the database did not answer)."""
    _from_memory.set(_from_memory.get() + 1)


class DatabaseHealth:
    """The latest verdict on the database: `available` is read without any I/O."""

    def __init__(
        self,
        ping: Callable[[], None],
        every: float = PING_EVERY_SECONDS,
        deadline: float = PING_DEADLINE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ping = ping
        self._every = every
        self._deadline = deadline
        self._clock = clock
        self._lock = threading.Lock()
        self._available = True
        self._since = clock()
        self._reason = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outstanding: threading.Thread | None = None
        self._outstanding_since = 0.0

    @classmethod
    def for_engine(
        cls, engine: Engine, every: float = PING_EVERY_SECONDS, deadline: float = PING_DEADLINE_SECONDS
    ) -> DatabaseHealth:
        """A watchdog over `engine`'s database, pinging on connections of its own (never the pool's)."""
        if engine.dialect.name == "sqlite":
            return cls(lambda: None, every, deadline)  # a local file: it answers or fails at once
        pinger = create_engine(engine.url, poolclass=NullPool, connect_args=PING_CONNECT_ARGS)

        def ping() -> None:
            with pinger.connect() as connection:
                connection.execute(text("SELECT 1"))

        return cls(ping, every, deadline)

    @property
    def available(self) -> bool:
        return self._available

    def unavailable_for(self) -> float:
        """Seconds since the database stopped answering (0 while it answers)."""
        return 0.0 if self._available else self._clock() - self._since

    @property
    def reason(self) -> str:
        return self._reason

    def guard(self, engine: Engine) -> None:
        """Make `engine` refuse at once, with an OperationalError, while the database is unavailable.

        Without it a query started on a silent database waits until the network heals
        (the pool's pre-ping included); with it only the queries already in flight do.
        """

        def refuse_while_away() -> None:
            if not self._available:
                raise OperationalError("(database unavailable)", None, ConnectionError(self._reason or "unavailable"))

        if isinstance(engine.pool, GatedQueuePool):
            engine.pool.gate = refuse_while_away

    def start(self) -> DatabaseHealth:
        """Ping in the background until `stop()`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="deskbot-db-health", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def note_failure(self, error: BaseException) -> None:
        """A caller's query failed: believe it now rather than at the next ping."""
        self._set(False, type(error).__name__)

    def check_now(self) -> bool:
        """Ping once, within the deadline, and record the verdict."""
        if self._outstanding is not None and self._outstanding.is_alive():
            if self._clock() - self._outstanding_since < ABANDON_PING_AFTER_SECONDS:
                return False  # a silent database is not asked again and again
            logger.warning(
                "a database ping has had no answer for %.0f s; asking on a new connection", ABANDON_PING_AFTER_SECONDS
            )
        outcome: list[BaseException | None] = []

        def attempt() -> None:
            try:
                self._ping()
                outcome.append(None)
            except Exception as error:  # any failure to answer is the verdict
                outcome.append(error)
            if self._outstanding is threading.current_thread():
                self._set(outcome[-1] is None, "" if outcome[-1] is None else type(outcome[-1]).__name__)

        worker = threading.Thread(target=attempt, name="deskbot-db-ping", daemon=True)
        self._outstanding, self._outstanding_since = worker, self._clock()
        worker.start()
        worker.join(self._deadline)
        if not outcome:
            self._set(False, f"no answer within {self._deadline:g} s")
            return False
        return outcome[0] is None

    def _watch(self) -> None:
        while not self._stop.wait(self._every):
            self.check_now()

    def _set(self, available: bool, reason: str) -> None:
        with self._lock:
            if available == self._available:
                return
            self._available, self._since, self._reason = available, self._clock(), reason
        if available:
            logger.warning("the database answers again")
        else:
            logger.error("the database is unavailable (%s): answering from memory and shipped data", reason)
