"""Serve recorded upstream payloads over real HTTP.

Each source lives under its own prefix on one local server; `env()` gives
the `DESKBOT_*_URL` settings that point deskbot at it. Requests that match
no recording get a 404 (and are recorded), so a test sees what was asked.
`play(source, Fault.…)` makes a source misbehave the way real ones do (see
`tests/harness/faults.py`) until `heal(source)`.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bot.demo.local_server import LocalServer, free_port
from tests.harness.faults import Fault, Playing, faulty_answer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream"

# Source name → (settings variable, path prefix the base URL ends with).
SOURCES: dict[str, tuple[str, str]] = {
    "treasurydirect": ("DESKBOT_TREASURYDIRECT_URL", "/treasurydirect/TA_WS"),
    "fiscaldata": ("DESKBOT_FISCALDATA_URL", "/fiscaldata/services/api/fiscal_service"),
    "treasury_rates": ("DESKBOT_TREASURY_RATES_URL", "/treasury/resource-center/data-chart-center/interest-rates"),
    "nyfed": ("DESKBOT_NYFED_URL", "/nyfed/api"),
    "nyfed_pd": ("DESKBOT_NYFED_PD_URL", "/nyfed-pd/api"),
    "ofr": ("DESKBOT_OFR_URL", "/ofr/v1"),
    "fred": ("DESKBOT_FRED_URL", "/fred/fred"),
    "fredgraph": ("DESKBOT_FREDGRAPH_URL", "/fredgraph/graph"),
    "cftc": ("DESKBOT_CFTC_URL", "/cftc/resource"),
    # A desk's own feed (files served with `serve_file`); not pointed at by `env()`.
    "desk_feed": ("DESKBOT_DESK_FEED_URL", "/desk"),
}
# Settings `env()` leaves unset: optional feeds a test turns on itself.
OPTIONAL_SETTINGS = frozenset({"DESKBOT_DESK_FEED_URL"})

CONTENT_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".xml": "application/xml"}


@dataclass(frozen=True)
class Recording:
    """A recorded answer for `path` under `source`, when the query includes `query`."""

    source: str
    path: str
    file: str
    query: dict[str, str] = field(default_factory=dict)

    def matches(self, source: str, path: str, query: dict[str, str]) -> bool:
        return (
            source == self.source
            and path == self.path
            and all(query.get(key) == value for key, value in self.query.items())
        )


RECORDINGS: tuple[Recording, ...] = (
    Recording("treasurydirect", "/securities/search", "treasurydirect_securities_search_excerpt.json"),
    Recording("fiscaldata", "/v1/accounting/od/upcoming_auctions", "fiscaldata_upcoming_auctions.json"),
    Recording("fiscaldata", "/v1/accounting/od/auctions_query", "fiscaldata_auctions_query_bills_2026-01.json"),
    Recording(
        "treasury_rates",
        "/daily-treasury-rates.csv/2023/all",
        "treasury_par_yield_curve_2023_excerpt.csv",
        {"type": "daily_treasury_yield_curve"},
    ),
    Recording(
        "treasury_rates",
        "/daily-treasury-rates.csv/2022/all",
        "treasury_par_yield_curve_2022_excerpt.csv",
        {"type": "daily_treasury_yield_curve"},
    ),
    Recording(
        "treasury_rates",
        "/daily-treasury-rates.csv/2025/all",
        "treasury_par_yield_curve_2025_fixture_with_1.5month.csv",
        {"type": "daily_treasury_yield_curve"},
    ),
    Recording("nyfed", "/rates/secured/sofr/search.json", "nyfed_sofr_search_2024-06.json"),
    Recording("nyfed", "/rates/unsecured/obfr/search.json", "nyfed_obfr_search_2024-06.json"),
    Recording("nyfed", "/rates/unsecured/effr/search.json", "nyfed_effr_search_2023H1.json"),
    Recording("fred", "/series/observations", "fred_series_observations_SOFR_2024-06.json", {"series_id": "SOFR"}),
    Recording("fred", "/series", "fred_series_SOFR75_metadata.json", {"series_id": "SOFR75"}),
    Recording("cftc", "/jun7-fc8e.json", "cftc_socrata_legacy_combined_jun7-fc8e_2024-08-20.json"),
    Recording("cftc", "/gpe5-46if.json", "cftc_socrata_tff_ust10y_subset_fixture.json"),
)


@dataclass(frozen=True)
class Scripted:
    """A response played instead of the recordings, for one path (any query)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class UpstreamRequest:
    source: str
    path: str
    query: dict[str, str]
    status: int


class RecordedUpstream:
    """`with RecordedUpstream() as upstream:` then `Settings` from `upstream.env()`."""

    def __init__(self, recordings: tuple[Recording, ...] = RECORDINGS, fixtures: Path = FIXTURES) -> None:
        self.recordings = list(recordings)
        self.fixtures = fixtures
        self.requests: list[UpstreamRequest] = []
        self._lock = threading.Lock()
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._scripts: dict[tuple[str, str], deque[Scripted]] = {}
        self._playing: dict[str, Playing] = {}
        self._down: dict[str, int] = {}  # source → the closed port its base URL points at
        self._reopened: dict[int, LocalServer] = {}  # port → listener started by `heal`
        self._release = threading.Event()  # lets held (timeout) requests go when the server stops
        self._server = LocalServer(_handler_for(self))

    def __enter__(self) -> RecordedUpstream:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()
        for server in self._reopened.values():
            server.stop()
        self._server.stop()

    def base_url(self, source: str) -> str:
        if source in self._down:
            return f"http://127.0.0.1:{self._down[source]}{SOURCES[source][1]}"
        return self._server.base_url + SOURCES[source][1]

    def play(
        self,
        source: str,
        fault: Fault,
        *,
        path: str | None = None,
        retry_after: str = "1",
        hold_seconds: float = 3.0,
    ) -> None:
        """Answer requests to `source` (only `path`, if given) with `fault` until `heal(source)`.

        `Fault.REFUSED` moves the source's base URL to a closed port: build
        the clients after playing it. Status faults carry `Retry-After:
        retry_after`; `Fault.TIMEOUT` holds each request `hold_seconds`
        (longer than the client's read timeout) before answering.
        """
        with self._lock:
            if fault is Fault.REFUSED:
                self._down[source] = free_port()
                return
            self._playing[source] = Playing(fault, path, retry_after, hold_seconds)

    def reset(self) -> None:
        """Back to answering every recording normally, with no request seen (one server, many tests)."""
        with self._lock:
            self.requests.clear()
            self._failures.clear()
            self._scripts.clear()
            self._playing.clear()
            self._down.clear()
            reopened, self._reopened = list(self._reopened.values()), {}
            self._release.set()  # requests still held by a played timeout are let go
            self._release = threading.Event()
        for server in reopened:
            server.stop()

    def heal(self, source: str) -> None:
        """`source` answers normally again; a refused source starts listening on its port."""
        with self._lock:
            self._playing.pop(source, None)
            port = self._down.get(source)
        if port is not None and port not in self._reopened:
            server = LocalServer(_handler_for(self), port=port)
            server.start()
            self._reopened[port] = server

    def env(self) -> dict[str, str]:
        """Every upstream base-URL setting, pointed here."""
        return {
            variable: self.base_url(source)
            for source, (variable, _prefix) in SOURCES.items()
            if variable not in OPTIONAL_SETTINGS
        }

    def fail_next(self, source: str, status: int) -> None:
        """The next request to `source` gets HTTP `status` instead of the recording."""
        with self._lock:
            self._failures[source].append(status)

    def script(self, source: str, path: str, *responses: Scripted) -> None:
        """Play `responses` in turn for `path` under `source`; the last one repeats."""
        with self._lock:
            self._scripts[(source, path)] = deque(responses)

    def serve_file(self, source: str, path: str, file: Path, content_type: str | None = None) -> None:
        """Answer `path` with a file from anywhere (e.g. the synthetic desk feed), every time."""
        kind = content_type or CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        self.script(source, path, Scripted(file.read_bytes(), 200, kind))

    def answer(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        source, path = _split_source(parts.path)
        with self._lock:
            playing = self._playing.get(source or "")
        if playing is not None and playing.path not in (None, path):
            playing = None
        status, content_type, body = self._lookup(source, path, query, consume=playing is None)
        headers = {"Content-Type": content_type}
        if playing is not None:
            status, headers, body = faulty_answer(playing, status, content_type, body)
        with self._lock:
            self.requests.append(UpstreamRequest(source or "", path, query, status))
            release = self._release
        if playing is not None and playing.fault is Fault.TIMEOUT:
            release.wait(playing.hold_seconds)  # recorded on arrival: a late answer never lands in a later test
        return status, headers, body

    def requests_to(self, source: str) -> list[UpstreamRequest]:
        with self._lock:
            return [request for request in self.requests if request.source == source]

    def _lookup(
        self, source: str | None, path: str, query: dict[str, str], consume: bool = True
    ) -> tuple[int, str, bytes]:
        """What the source would answer; with `consume` False, scripted answers are only peeked at."""
        if source is None:
            return 404, "text/plain", b"unknown source"
        with self._lock:
            failures = self._failures.get(source)
            failure = failures.popleft() if failures and consume else None
        if failure is not None:
            return failure, "text/plain", f"scripted failure {failure}".encode()
        with self._lock:
            queue = self._scripts.get((source, path))
            scripted = (queue.popleft() if len(queue) > 1 and consume else queue[0]) if queue else None
        if scripted is not None:
            return scripted.status, scripted.content_type, scripted.body
        for recording in self.recordings:
            if recording.matches(source, path, query):
                file = self.fixtures / recording.file
                return 200, CONTENT_TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes()
        return 404, "application/json", b'{"error": "no recording for this request"}'


def _split_source(path: str) -> tuple[str | None, str]:
    for source, (_variable, prefix) in SOURCES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return source, path[len(prefix) :]
    return None, path


def _handler_for(upstream: RecordedUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            status, headers, body = upstream.answer(self.path)
            declared = int(headers.pop("Content-Length", len(body)))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a played timeout)
            if declared > len(body):
                self.close_connection = True  # a played cut: hang up before the declared end

        def log_message(self, *args: object) -> None:
            pass

    return Handler
