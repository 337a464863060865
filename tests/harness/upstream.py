"""Serve recorded upstream payloads over real HTTP.

Each source lives under its own prefix on one local server; `env()` gives
the `DESKBOT_*_URL` settings that point deskbot at it. Requests that match
no recording get a 404 (and are recorded), so a test sees what was asked.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bot.demo.local_server import LocalServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upstream"

# Source name → (settings variable, path prefix the base URL ends with).
SOURCES: dict[str, tuple[str, str]] = {
    "treasurydirect": ("DESKBOT_TREASURYDIRECT_URL", "/treasurydirect/TA_WS"),
    "fiscaldata": ("DESKBOT_FISCALDATA_URL", "/fiscaldata/services/api/fiscal_service"),
    "treasury_rates": ("DESKBOT_TREASURY_RATES_URL", "/treasury/resource-center/data-chart-center/interest-rates"),
    "nyfed": ("DESKBOT_NYFED_URL", "/nyfed/api"),
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
        self._server = LocalServer(_handler_for(self))

    def __enter__(self) -> RecordedUpstream:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def base_url(self, source: str) -> str:
        return self._server.base_url + SOURCES[source][1]

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
        """Answer `path` with a file from anywhere (e.g. the shared data), every time."""
        kind = content_type or CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        self.script(source, path, Scripted(file.read_bytes(), 200, kind))

    def answer(self, raw_path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        source, path = _split_source(parts.path)
        status, content_type, body = self._lookup(source, path, query)
        with self._lock:
            self.requests.append(UpstreamRequest(source or "", path, query, status))
        return status, content_type, body

    def _lookup(self, source: str | None, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if source is None:
            return 404, "text/plain", b"unknown source"
        with self._lock:
            failures = self._failures.get(source)
            failure = failures.popleft() if failures else None
        if failure is not None:
            return failure, "text/plain", f"scripted failure {failure}".encode()
        with self._lock:
            queue = self._scripts.get((source, path))
            scripted = (queue.popleft() if len(queue) > 1 else queue[0]) if queue else None
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
            status, content_type, body = upstream.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
