"""Refuse Slack requests that are too big, forged, stale or replayed, before Bolt parses them.

Bolt checks a request's signature and age, but not whether the same signed request
was already accepted: anyone who captures one could send it again within its five
minutes. Accepted signatures are therefore kept in the database, which every
instance behind a load balancer shares, with an in-process memory in front of it.
Socket Mode requests arrive over the socket unsigned and never pass through here.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import Any

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, create_engine, delete, event, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.health import DatabaseHealth
from bot.storage.models import SeenSignature

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

SIGNATURE_WINDOW_SECONDS = 300  # Slack's, and the age Bolt's verifier accepts either way
CLOCK_SKEW_SECONDS = 60  # instances' clocks may differ; keep rows this much longer
PURGE_EVERY_SECONDS = 60.0
DEFAULT_MAX_BODY_BYTES = 64 * 1024  # a slash command's body is a few KB
ACK_DATABASE_BUDGET_SECONDS = 1.0  # the most an ack waits for the shared replay check
CLAIM_THREADS = 4


class SeenSignatures:
    """The signatures accepted in the last window, shared through the database.

    On PostgreSQL (several instances) a signature is claimed by inserting its row
    (its primary key), which the database lets only one instance do; the insert
    commits without waiting for the disk (`synchronous_commit=off`). SQLite serves
    one instance, so this instance's memory decides and rows are written behind
    the ack (SQLite makes a waiting writer sleep whole milliseconds, too slow for
    the ack under load); a restart reads back the window's rows. A power cut may
    forget the last few signatures, a smaller risk than a disk flush on every ack.

    The ack never waits on the database for more than `budget_seconds` (1 s): a
    database that is refused, slow or silent lets the request through on this
    instance's memory alone and the row is written behind, because a brief outage
    should not stop the desk's commands. While `health` says the database is
    unavailable the claim is not even waited for.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        window_seconds: int = SIGNATURE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        purge_every: float | None = PURGE_EVERY_SECONDS,
        budget_seconds: float = ACK_DATABASE_BUDGET_SECONDS,
        health: DatabaseHealth | None = None,
    ) -> None:
        self._budget = budget_seconds
        self._health = health
        # Claims run here, so a silent database holds these threads, never a request's.
        self._claims = ThreadPoolExecutor(max_workers=CLAIM_THREADS, thread_name_prefix="deskbot-signature-claim")
        self._next_slow_warning = 0.0
        self._engine = _unsynced_engine(sessions.kw["bind"])
        self._shared = self._engine.dialect.name != "sqlite"
        self._keep_seconds = window_seconds + CLOCK_SKEW_SECONDS
        self._clock = clock
        self._purge_every = purge_every
        self._lock = threading.Lock()
        self._recent: dict[str, int] = {} if self._shared else self._load_recent()
        if self._shared:
            self._claims.submit(self._warm)  # the first request should not pay for the connection
        self._next_purge = 0.0
        self._pending: queue.Queue[dict[str, Any]] = queue.Queue()
        self._writer: threading.Thread | None = None

    def first_sighting(self, signature: str, timestamp: int) -> bool:
        """True the first time `signature` is offered anywhere; False for every repeat."""
        with self._lock:
            if signature in self._recent:
                return False
            self._recent[signature] = timestamp
            purge_due = self._purge_every is not None and self._clock() >= self._next_purge
            if purge_due:
                self._next_purge = self._clock() + (self._purge_every or 0)
        if purge_due:  # off the request's thread: the ack does not wait for it
            threading.Thread(target=self.purge, name="deskbot-signature-purge", daemon=True).start()
        row = {"signature": signature, "request_ts": timestamp, "seen_at": datetime.now(UTC)}
        if not self._shared:
            self._write_behind(row)
            return True
        claim = self._claims.submit(self._claim, row)
        if self._health is not None and not self._health.available:
            return True  # known to be away: the claim is written behind, the ack does not wait
        try:
            return claim.result(timeout=self._budget)
        except FutureTimeout:
            self._warn_slow()
            claim.add_done_callback(_warn_if_replayed)
            return True

    def _warm(self) -> None:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            logger.warning("could not reach the database for the replay check yet (%s)", type(error).__name__)

    def _claim(self, row: dict[str, Any]) -> bool:
        """Insert the signature's row: False when another instance (or an earlier request) has it."""
        try:
            with self._engine.begin() as connection:
                connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
                connection.execute(insert(SeenSignature).values(**row))
        except IntegrityError:
            return False
        except SQLAlchemyError as error:
            logger.warning("replay check could not use the database (%s); checked in memory only", type(error).__name__)
            if self._health is not None:
                self._health.note_failure(error)
        return True

    def _warn_slow(self) -> None:
        now = self._clock()
        if now >= self._next_slow_warning:
            self._next_slow_warning = now + 60
            logger.warning(
                "the database did not confirm a request signature within %.0f ms; acking on this instance's memory",
                self._budget * 1000,
            )

    def flush(self) -> None:
        """Wait until every signature accepted so far is in the database."""
        self._pending.join()

    def purge(self) -> int:
        """Forget signatures too old to pass the signature check again; returns the rows deleted."""
        oldest = int(self._clock()) - self._keep_seconds
        with self._lock:
            self._recent = {signature: ts for signature, ts in self._recent.items() if ts >= oldest}
        try:
            with self._engine.begin() as connection:
                result = connection.execute(delete(SeenSignature).where(SeenSignature.request_ts < oldest))
                return int(result.rowcount or 0)
        except SQLAlchemyError as error:
            logger.warning("could not purge old request signatures (%s)", type(error).__name__)
            return 0

    def _load_recent(self) -> dict[str, int]:
        oldest = int(self._clock()) - self._keep_seconds
        query = select(SeenSignature.signature, SeenSignature.request_ts).where(SeenSignature.request_ts >= oldest)
        try:
            with self._engine.connect() as connection:
                return {signature: int(ts) for signature, ts in connection.execute(query)}
        except SQLAlchemyError as error:
            logger.warning("could not read recent request signatures (%s)", type(error).__name__)
            return {}

    def _write_behind(self, row: dict[str, Any]) -> None:
        self._pending.put(row)
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_rows, name="deskbot-signature-writer", daemon=True)
                self._writer.start()

    def _write_rows(self) -> None:
        while True:
            rows = [self._pending.get()]
            while not self._pending.empty():
                rows.append(self._pending.get_nowait())
            try:
                with self._engine.begin() as connection:
                    connection.execute(sqlite_insert(SeenSignature).on_conflict_do_nothing(), rows)
            except SQLAlchemyError as error:
                logger.warning("could not store %d request signature(s) (%s)", len(rows), type(error).__name__)
            finally:
                for _row in rows:
                    self._pending.task_done()


def _warn_if_replayed(claim: Future[bool]) -> None:
    """A claim that came back after its ack: say so if the request had been seen before."""
    if not claim.exception() and claim.result() is False:
        logger.warning("a replayed Slack request was let through while the database was slow to confirm it")


def _unsynced_engine(engine: Engine) -> Engine:
    """SQLite: an engine of its own whose commits skip the fsync (WAL keeps the file consistent)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # PostgreSQL is told per transaction; an in-memory SQLite must keep its one engine
    own = create_engine(engine.url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(own, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return own


class RequestGuard:
    """WSGI middleware in front of Bolt: 413 for big bodies, 401 for bad, stale or replayed signatures."""

    def __init__(
        self,
        signing_secret: str,
        seen: SeenSignatures,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._seen = seen
        self.max_body_bytes = max_body_bytes

    def protect(self, inner: WsgiApp) -> WsgiApp:
        """`inner` (Bolt's handler) behind the checks; it gets the body it would have read."""

        def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            body = read_body(environ, self.max_body_bytes)
            if body is None:
                logger.warning(
                    "refused a request body over %d bytes (Content-Length %s)",
                    self.max_body_bytes,
                    environ.get("CONTENT_LENGTH") or "not given",
                )
                return _refuse(start_response, "413 Request Entity Too Large", "request body too large")
            refusal = self._check(environ, body)
            if refusal is not None:
                return _refuse(start_response, "401 Unauthorized", refusal)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return inner(environ, start_response)

        return guarded

    def _check(self, environ: dict[str, Any], body: bytes) -> str | None:
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not timestamp.isdigit() or not self._verifier.is_valid(body, timestamp, signature):
            # Checked first, so a forged request never reaches the database.
            logger.info("refused a request with a missing, wrong or expired Slack signature")
            return "invalid request"
        if not self._seen.first_sighting(signature, int(timestamp)):
            logger.warning("refused a replayed Slack request (timestamp %s)", timestamp)
            return "invalid request"
        return None


def read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The request body, or None when it is over `limit`, known from Content-Length before any read."""
    stream = environ.get("wsgi.input")
    length = str(environ.get("CONTENT_LENGTH") or "").strip()
    if length.isdigit():
        if int(length) > limit:
            return None
        return stream.read(int(length)) if stream is not None and int(length) else b""
    if stream is None or not environ.get("wsgi.input_terminated"):
        return b""  # no length and no terminated stream: no body, by HTTP's rules
    body = stream.read(limit + 1)  # a chunked body the server did not measure: never read past the limit
    return None if len(body) > limit else body


def _refuse(start_response: StartResponse, status: str, error: str) -> Iterable[bytes]:
    payload = json.dumps({"error": error}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
