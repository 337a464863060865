"""Polite HTTP access to public data sources, with errors a desk can read.

Every source has a configurable base URL, so tests and replays can point
deskbot at recorded payloads served from 127.0.0.1. A source that is down
is not asked again for a short back-off window, so during an outage every
command answers at once from stored data instead of waiting on retries.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from market.store import RecordStore
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_TIMEOUT = httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=5.0)
# A Retry-After up to this is waited out inside the command; a longer one is not spent keeping a
# desk waiting: the command answers from stored data and the source is left alone that long.
MAX_RETRY_WAIT_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
# After a source fails (down, timing out, 5xx/429 after retries), don't ask it again for this long.
DEFAULT_BACKOFF_SECONDS = 60.0

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def timeout_of(seconds: float) -> httpx.Timeout:
    """A read timeout of `seconds`, connecting within at most 5 s of it."""
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


class UpstreamError(Exception):
    """A source could not be read; the message says which and why, in plain words."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source} is unavailable: {reason}")
        self.source = source
        self.reason = reason


class NotAsked(UpstreamError):
    """The source was not asked: the answer is being given from stored data while a refresh runs."""


# Set while a command answers from stored data only (a source was slow): no source is asked,
# and the list collects the sources that would have been, so the answer can name them.
_stored_only: ContextVar[list[str] | None] = ContextVar("deskbot_stored_only", default=None)


@contextmanager
def stored_data_only() -> Iterator[list[str]]:
    """Within the block every source raises `NotAsked` at once; yields the sources that were skipped."""
    skipped: list[str] = []
    token = _stored_only.set(skipped)
    try:
        yield skipped
    finally:
        _stored_only.reset(token)


def answering_from_stored_data() -> bool:
    """True inside `stored_data_only()`: refreshes are not attempted, nor their failures recorded."""
    return _stored_only.get() is not None


class CutShort(Exception):
    """An answer whose body stopped before its end (the connection closed, or fewer bytes than declared)."""

    def __init__(self, received: int, declared: int | None) -> None:
        counts = (
            f"{received} of {declared} bytes"
            if declared is not None
            else f"{received} bytes, then it closed the connection"
        )
        super().__init__(f"it sent a cut-short answer ({counts})")


@dataclass(frozen=True)
class Outage:
    """The last failure of a source, and until when it is left alone."""

    reason: str
    at: datetime
    until: datetime

    def explain(self) -> str:
        """ "it answered HTTP 503 at 13:42 ET; not asked again before 13:43 ET"."""
        return f"{self.reason} at {_clock_time(self.at)}; not asked again before {_clock_time(self.until)}"


def _clock_time(moment: datetime) -> str:
    local = moment.astimezone(DESK_TZ)
    return local.strftime("%H:%M:%S ET" if local.second else "%H:%M ET")


class OutageMemory(Protocol):
    """Where clients keep a source's last outage, so every process (each `deskbot ask`) sees it."""

    def recall(self, source: str, window: timedelta) -> Outage | None:
        """The source's last outage, if it has not recovered since."""
        ...

    def note_failure(self, source: str, outage: Outage) -> None: ...

    def note_recovery(self, source: str, at: datetime) -> None: ...


class StoredOutages:
    """Outages kept in the store's refresh statuses, under `upstream:<source>`."""

    def __init__(self, store: RecordStore) -> None:
        self._store = store

    def recall(self, source: str, window: timedelta) -> Outage | None:
        status = self._store.refresh_status(_outage_key(source))
        if status is None or status.error is None:
            return None
        return Outage(status.error, status.attempted_at, status.attempted_at + window)

    def note_failure(self, source: str, outage: Outage) -> None:
        self._store.note_refresh(_outage_key(source), outage.at, outage.reason)

    def note_recovery(self, source: str, at: datetime) -> None:
        self._store.note_refresh(_outage_key(source), at, None)


def _outage_key(source: str) -> str:
    return f"upstream:{source}"[:64]


class UpstreamClient:
    """GETs from one source's base URL, retrying rate limits and server errors.

    After a failure that retries did not fix, the source is left alone for
    `backoff_seconds` (0 turns this off): requests in that window fail at once
    with the original reason and its time. With a `memory`, the outage is also
    kept there (read once, at the first request), so a new process does not
    wait on retries of a source another one just found down. `clock` is
    injectable for tests.
    """

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        user_agent: str = "deskbot",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        clock: Clock = utc_now,
        memory: OutageMemory | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`client` (used as given) or `transport` (e.g. `httpx.MockTransport`) replace the network for tests."""
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.backoff = timedelta(seconds=max(backoff_seconds, 0.0))
        self._sleep = sleep  # injectable, so retry tests do not really wait
        self._clock = clock
        self._outage: Outage | None = None
        self._memory = memory if self.backoff else None
        self._recalled = False
        self._lock = threading.Lock()
        self._client = client or httpx.Client(
            timeout=timeout_of(timeout) if isinstance(timeout, int | float) else timeout,
            headers={"User-Agent": user_agent},
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def outage(self) -> Outage | None:
        """The failure the source is being left alone for, if the window has not passed."""
        self._recall()
        with self._lock:
            outage = self._outage
        if outage is not None and self._clock() < outage.until:
            return outage
        return None

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, bypass_backoff: bool = False
    ) -> httpx.Response:
        """The successful response for `path`, read whole, or `UpstreamError` after retries.

        A body that stops before its Content-Length (or its chunked end) is retried
        like a dropped connection, and then named: "it sent a cut-short answer (N of M bytes)".

        `bypass_backoff` asks even during a back-off, for callers with their own
        polling schedule (the auction result flash); a failure still starts one.
        """
        skipped = _stored_only.get()
        if skipped is not None:
            if self.source not in skipped:
                skipped.append(self.source)
            raise NotAsked(self.source, "still refreshing; this answer is from stored data for now")
        outage = None if bypass_backoff else self.outage
        if outage is not None:
            raise UpstreamError(self.source, outage.explain())
        url = f"{self.base_url}/{path.lstrip('/')}"
        retry_after = 0.0
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._fetch(url, params)
            except httpx.TimeoutException:
                failure = "it did not answer in time"
                wait = float(attempt)
            except CutShort as cut:
                failure = str(cut)
                wait = float(attempt)
            except httpx.TransportError as error:
                failure = f"it could not be reached ({type(error).__name__})"
                wait = float(attempt)
            else:
                if response.status_code < 400:
                    self._recovered()
                    return response
                if response.status_code not in RETRYABLE_STATUS:
                    raise UpstreamError(self.source, f"it answered HTTP {response.status_code}")
                failure = f"it answered HTTP {response.status_code}"
                asked = _retry_after(response)
                retry_after = asked or 0.0
                if retry_after > MAX_RETRY_WAIT_SECONDS:
                    break
                wait = float(attempt) if asked is None else asked
            if attempt < self.max_attempts:
                logger.warning("%s: %s; retrying in %.1fs", self.source, failure, wait)
                self._sleep(wait)
        self._failed(failure, retry_after)
        raise UpstreamError(self.source, failure)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None, *, bypass_backoff: bool = False) -> Any:
        """The decoded JSON body; an empty, cut-short or HTML body, or anything not JSON, is an `UpstreamError`."""
        response = self.get(path, params, bypass_backoff=bypass_backoff)
        if not response.content.strip():
            raise UpstreamError(self.source, "it sent an empty answer")
        try:
            return response.json()
        except ValueError:
            if _is_html(response):
                raise UpstreamError(self.source, "it sent something that is not JSON (an HTML page)") from None
            if json_stops_early(response.text):
                raise UpstreamError(self.source, "it sent a cut-short answer (its JSON stops mid-way)") from None
            raise UpstreamError(self.source, "it sent something that is not JSON") from None

    def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The body as text (CSV, XML); an empty body or an HTML page is an `UpstreamError`."""
        response = self.get(path, params)
        if not response.content.strip():
            raise UpstreamError(self.source, "it sent an empty answer")
        if _is_html(response):
            raise UpstreamError(self.source, "it sent an HTML page, which I cannot read as data")
        return response.text

    def _fetch(self, url: str, params: Mapping[str, Any] | None) -> httpx.Response:
        """The whole answer, read to its end; one that stops before its Content-Length is `CutShort`."""
        response = self._client.send(self._client.build_request("GET", url, params=params), stream=True)
        try:
            response.read()
        except httpx.RemoteProtocolError:  # the connection closed before the declared end of the body
            raise CutShort(response.num_bytes_downloaded, _content_length(response)) from None
        finally:
            response.close()
        declared, received = _content_length(response), _received(response)
        if declared is not None and received is not None and received < declared:
            raise CutShort(received, declared)
        return response

    def _recall(self) -> None:
        if self._memory is None or self._recalled:
            return
        self._recalled = True
        try:
            outage = self._memory.recall(self.source, self.backoff)
        except Exception:  # the memory only saves time; it must never stop a fetch
            logger.warning("%s: could not read its last outage", self.source, exc_info=True)
            return
        with self._lock:
            self._outage = self._outage or outage

    def _failed(self, reason: str, retry_after: float) -> None:
        if not self.backoff:
            return
        now = self._clock()
        outage = Outage(reason, now, now + max(self.backoff, timedelta(seconds=retry_after)))
        with self._lock:
            self._outage = outage
        logger.warning("%s: %s; leaving it alone until %s", self.source, reason, _clock_time(outage.until))
        self._remember(lambda memory: memory.note_failure(self.source, outage))

    def _recovered(self) -> None:
        with self._lock:
            was_down, self._outage = self._outage is not None, None
        if was_down:
            self._remember(lambda memory: memory.note_recovery(self.source, self._clock()))

    def _remember(self, note: Callable[[OutageMemory], None]) -> None:
        if self._memory is None:
            return
        try:
            note(self._memory)
        except Exception:  # as in `_recall`
            logger.warning("%s: could not keep its outage", self.source, exc_info=True)


def _is_html(response: httpx.Response) -> bool:
    """An error or maintenance page: marked up as HTML, or labelled HTML and starting with a tag."""
    head = response.content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    return head.startswith(b"<") and "html" in response.headers.get("Content-Type", "").lower()


def _content_length(response: httpx.Response) -> int | None:
    """The body's declared length in bytes, where the answer declares one (none for 204 and 304)."""
    if response.status_code in (204, 304):
        return None
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _received(response: httpx.Response) -> int | None:
    """The body's bytes as sent, or None when that cannot be told.

    Counted off the wire; an answer handed over already read (`httpx.MockTransport`) counts its
    length, unless it is compressed.
    """
    if response.num_bytes_downloaded:
        return response.num_bytes_downloaded
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    return len(response.content)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def json_stops_early(text: str) -> bool:
    """True for JSON text that stops before its end: inside a string, or with a bracket left open.

    Only asked of text that did not parse, to tell a cut answer from one that is not JSON at all.
    """
    body = text.strip().lstrip("\ufeff")
    if not body.startswith(("{", "[")):
        return False
    outside = _JSON_STRING.sub("", body)
    if '"' in outside:
        return True  # a string that never closes
    return outside.count("{") > outside.count("}") or outside.count("[") > outside.count("]")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the source asked us to wait (Retry-After in seconds), or None when it did not say."""
    header = response.headers.get("Retry-After", "")
    try:
        seconds = float(header)
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_BACKOFF_SECONDS) if seconds == seconds else None
