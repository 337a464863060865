"""A body cut short anywhere is refused, or reads exactly as the whole body does: a cut is never stored.

Every payload the tests serve goes through its source's live code (the
`UpstreamClient` over an in-process transport, then the source class), cut
at every byte of a small body and, for a large one, at every line boundary
±2 bytes (of at most `MAX_LINES` lines, spread over a longer body), every
byte of its first and last `EDGE`, runs of consecutive bytes spread over it
and an even sample. A cut is either refused with an `UpstreamError` naming
the source, or everything it returns equals what the whole body gives for
the same key. Then the same failure over real HTTP: a server that declares
more bytes than it sends and hangs up.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.execution import execute
from bot.wiring import SOURCE_LABELS
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import build_registry
from commands.reply import Outcome
from commands.services import Services
from market.http import UpstreamClient, UpstreamError
from market.sources.cftc import CftcSource
from market.sources.desk_feed import DeskFeedSource
from market.sources.fiscaldata import FiscalDataSource
from market.sources.fred import FredSource
from market.sources.nyfed import NyFedSource
from market.sources.nyfed_dealers import NyFedDealerSource
from market.sources.ofr import OfrSource
from market.sources.treasury_rates import TreasuryRatesSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.yields.history import SHIPPED_HISTORY, YieldHistory
from tests.auction_support import sqlite_store
from tests.harness.dealers_repo import dealer_payload, ofr_pairs
from tests.harness.faults import Fault
from tests.harness.funding import DESK_FEED_FILES, REAL_DESK_FEED, shipped_fred_payload, shipped_operations_payload
from tests.harness.shared_data import SHARED_DATA, shared_file
from tests.harness.upstream import FIXTURES, RecordedUpstream

BASE = "http://upstream.test/api"
SMALL = 3000  # bodies up to this many bytes are cut at every byte
EDGE = 96  # every byte of a large body's first and last EDGE bytes
WINDOWS = 6  # a large body also gets this many runs of consecutive cuts, spread over it ...
WINDOW = 32  # ... each this long
EVEN = 150  # and this many cuts spread evenly
MAX_LINES = 200  # a body of more lines has the boundaries of 200 of them: 50 from each end, 100 between
HUGE = 200_000  # a body this large (the 446 KB series catalogue) gets the boundaries of 40 lines, no windows

Read = Callable[[UpstreamClient], dict[Hashable, Any]]


class Served:
    """An in-process upstream: answers `path` (its last part) with the current body, anything else with 404."""

    def __init__(self, path: str, content_type: str) -> None:
        self.path = path
        self.content_type = content_type
        self.body = b""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(self.path):
            return httpx.Response(404, content=b"not found", headers={"Content-Type": "text/plain"})
        return httpx.Response(200, content=self.body, headers={"Content-Type": self.content_type})


@dataclass(frozen=True)
class Case:
    """One served payload: where it is answered, and how its source reads it into key → value."""

    name: str
    body: Callable[[], bytes]
    path: str
    read: Read
    content_type: str = "application/json"
    label: str = ""  # the source's name in its errors, when it is not the client's (the desk feed's)

    @property
    def source(self) -> str:
        return self.label or self.name

    def client(self, served: Served) -> UpstreamClient:
        return UpstreamClient(
            self.source, BASE, transport=httpx.MockTransport(served), max_attempts=1, backoff_seconds=0, sleep=_no_wait
        )


def _no_wait(_seconds: float) -> None:
    return None


# ---- how each source reads a body, keyed for comparison ---------------------------------------------


def treasury_year(year: int) -> Read:
    return lambda client: {row.day: dict(row.yields) for row in TreasuryRatesSource(client).year(year)}


def fred_graph(*series: str) -> Read:
    def read(client: UpstreamClient) -> dict[Hashable, Any]:
        found = FredSource(client, None, graph=client).many(list(series))
        return {(name, o.day): o.value for name, observations in found.items() for o in observations}

    return read


def fred_api(series: str) -> Read:
    return lambda client: {o.day: o.value for o in FredSource(client, "k" * 32).observations(series)}


def nyfed_rates(kind: str) -> Read:
    early, late = date(2000, 1, 1), date(2030, 1, 1)
    return lambda client: {(f.day, f.kind): f for f in NyFedSource(client).reference_rates(kind, early, late)}


def nyfed_operations(client: UpstreamClient) -> dict[Hashable, Any]:
    return {op.operation_id: op for op in NyFedSource(client).repo_operations(date(2000, 1, 1), date(2030, 1, 1))}


def cftc_tff(client: UpstreamClient) -> dict[Hashable, Any]:
    return {(p.report_date, p.code): p for p in CftcSource(client).tff(date(2000, 1, 1))}


def treasurydirect_search(start: date, end: date) -> Read:
    return lambda client: {r.key: r for r in TreasuryDirectSource(client).search(start, end)}


def fiscaldata_auctions(start: date, end: date) -> Read:
    return lambda client: {r.key: r for r in FiscalDataSource(client).auctions(start, end)}


def fiscaldata_upcoming(client: UpstreamClient) -> dict[Hashable, Any]:
    return {r.key: r for r in FiscalDataSource(client).upcoming(date(2000, 1, 1))}


def ofr_series(client: UpstreamClient) -> dict[Hashable, Any]:
    return {o.day: o.value for o in OfrSource(client).timeseries("REPO-TRI_AR_OO-P")}


def dealer_series(keyid: str) -> Read:
    return lambda client: {(v.keyid, v.as_of): v.value for v in NyFedDealerSource(client).series(keyid)}


def dealer_latest_csv(client: UpstreamClient) -> dict[Hashable, Any]:
    return {(v.keyid, v.as_of): v.value for v in NyFedDealerSource(client).latest_csv("SBN2022")}


def dealer_catalogue(client: UpstreamClient) -> dict[Hashable, Any]:
    return {info.keyid: info for info in NyFedDealerSource(client).catalogue()}


def desk_feed(name: str) -> Read:
    return lambda client: {row.day: row.values for row in DeskFeedSource(f"{BASE}/{name}", client).rows()}


def fixture(name: str) -> Callable[[], bytes]:
    return lambda: (FIXTURES / name).read_bytes()


def shared(relpath: str) -> Callable[[], bytes]:
    return lambda: shared_file(relpath).read_bytes()


CSV = "text/csv; charset=utf-8"
DESK_FEED = DeskFeedSource.label
XML = "application/xml"
JUNE_2024 = (date(2024, 6, 1), date(2024, 6, 7))

CASES = (
    # Treasury's par yield curve: the yearly CSV downloads (byte for byte), the excerpts, the XML feed.
    Case(
        "daily-treasury-rates-2021.csv", fixture("daily-treasury-rates-2021.csv"), "2021/all", treasury_year(2021), CSV
    ),
    Case(
        "daily-treasury-rates-2022.csv", fixture("daily-treasury-rates-2022.csv"), "2022/all", treasury_year(2022), CSV
    ),
    Case(
        "daily-treasury-rates-2025-to-0926.csv",
        fixture("daily-treasury-rates-2025-to-0926.csv"),
        "2025/all",
        treasury_year(2025),
        CSV,
    ),
    Case(
        "treasury_par_yield_curve_2022_excerpt.csv",
        fixture("treasury_par_yield_curve_2022_excerpt.csv"),
        "2022/all",
        treasury_year(2022),
        CSV,
    ),
    Case(
        "treasury_par_yield_curve_2023_excerpt.csv",
        fixture("treasury_par_yield_curve_2023_excerpt.csv"),
        "2023/all",
        treasury_year(2023),
        CSV,
    ),
    Case(
        "treasury_par_yield_curve_2025_fixture_with_1.5month.csv",
        fixture("treasury_par_yield_curve_2025_fixture_with_1.5month.csv"),
        "2025/all",
        treasury_year(2025),
        CSV,
    ),
    Case(
        "treasury_par_yield_curve_xml_properties_2022-02-01.xml",
        fixture("treasury_par_yield_curve_xml_properties_2022-02-01.xml"),
        "pages/xml",
        treasury_year(2022),
        XML,
    ),
    # FRED: both keyless CSV layouts and the API's JSON.
    Case(
        "fred_fredgraph_csv_new_format_excerpt.csv",
        fixture("fred_fredgraph_csv_new_format_excerpt.csv"),
        "fredgraph.csv",
        fred_graph("DGS1MO", "DGS3MO", "DGS6MO", "DGS1", "DGS2", "DGS3", "DGS5", "DGS7", "DGS10", "DGS20", "DGS30"),
        CSV,
    ),
    Case(
        "fred_fredgraph_csv_old_format_excerpt.csv",
        fixture("fred_fredgraph_csv_old_format_excerpt.csv"),
        "fredgraph.csv",
        fred_graph("DFF", "DGS10", "DGS3MO", "DGS5"),
        CSV,
    ),
    Case(
        "fred_series_observations_SOFR_2024-06.json",
        fixture("fred_series_observations_SOFR_2024-06.json"),
        "series/observations",
        fred_api("SOFR"),
    ),
    Case(
        "FRED IORB observations (shipped values)",
        lambda: shipped_fred_payload("IORB", *JUNE_2024),
        "series/observations",
        fred_api("IORB"),
    ),
    # NY Fed Markets: reference rates and repo operations.
    Case(
        "nyfed_sofr_search_2024-06.json", fixture("nyfed_sofr_search_2024-06.json"), "search.json", nyfed_rates("SOFR")
    ),
    Case(
        "nyfed_obfr_search_2024-06.json", fixture("nyfed_obfr_search_2024-06.json"), "search.json", nyfed_rates("OBFR")
    ),
    Case("nyfed_effr_search_2023H1.json", fixture("nyfed_effr_search_2023H1.json"), "search.json", nyfed_rates("EFFR")),
    Case(
        "NY Fed repo operations (shipped values)",
        lambda: shipped_operations_payload(*JUNE_2024),
        "rp/results/search.json",
        nyfed_operations,
    ),
    # CFTC Traders in Financial Futures.
    Case(
        "cftc_socrata_tff_ust10y_subset_fixture.json",
        fixture("cftc_socrata_tff_ust10y_subset_fixture.json"),
        "gpe5-46if.json",
        cftc_tff,
    ),
    # Auctions: TreasuryDirect and Fiscal Data.
    Case(
        "treasurydirect_securities_search_excerpt.json",
        fixture("treasurydirect_securities_search_excerpt.json"),
        "securities/search",
        treasurydirect_search(date(2023, 9, 1), date(2023, 11, 16)),
    ),
    Case(
        "fiscaldata_auctions_query_bills_2026-01.json",
        fixture("fiscaldata_auctions_query_bills_2026-01.json"),
        "auctions_query",
        fiscaldata_auctions(date(2026, 1, 1), date(2026, 1, 31)),
    ),
    Case(
        "fiscaldata_upcoming_auctions.json",
        fixture("fiscaldata_upcoming_auctions.json"),
        "upcoming_auctions",
        fiscaldata_upcoming,
    ),
    # OFR and the NY Fed's primary dealer statistics (shipped values in the APIs' layouts).
    Case(
        "OFR tri-party rate, Sep-Oct 2019 (shipped values)",
        lambda: json.dumps(ofr_pairs("REPO-TRI_AR_OO-P", date(2019, 9, 1), date(2019, 10, 31))).encode(),
        "series/timeseries",
        ofr_series,
    ),
    Case(
        "NY Fed PDPOSGST-TOT (shipped values)",
        lambda: dealer_payload("PDPOSGST-TOT"),
        "PDPOSGST-TOT.json",
        dealer_series("PDPOSGST-TOT"),
    ),
    # The desk's feed: the synthetic exports the suite serves, and a desk's real ones.
    *(
        Case(path.name, lambda path=path: path.read_bytes(), path.name, desk_feed(path.name), CSV, DESK_FEED)
        for path in DESK_FEED_FILES
    ),
)

SHARED_CASES = (
    Case(
        "nyfed_pd_latest_SBN2022_asof_2023-11-01.csv",
        shared("funding/primary_dealers/nyfed_pd_latest_SBN2022_asof_2023-11-01__harrymmurphy.csv"),
        "SBN2022.csv",
        dealer_latest_csv,
        CSV,
    ),
    Case(
        "nyfed_pd_list_timeseries_SBN2024.json",
        shared("funding/primary_dealers/nyfed_pd_list_timeseries_SBN2024__Jaggerxtrm.json"),
        "timeseries.json",
        dealer_catalogue,
    ),
    *(
        Case(Path(relpath).name, shared(relpath), Path(relpath).name, desk_feed(Path(relpath).name), CSV, DESK_FEED)
        for relpath in REAL_DESK_FEED
    ),
)


def sample_cases() -> list[Case]:
    """The shared samples a source reads (named as a case is) whose bytes differ from that case's fixture."""
    folder = SHARED_DATA / "samples"
    if not folder.is_dir():
        return []
    cases = []
    for file in sorted(folder.iterdir()):
        case = next((case for case in CASES if case.name == file.name), None)
        if case is None or case.body() == file.read_bytes():
            continue
        cases.append(replace(case, name=f"samples/{file.name}", body=lambda file=file: file.read_bytes()))
    return cases


# ---- cutting -------------------------------------------------------------------------------------


def cut_points(body: bytes) -> list[int]:
    """Lengths to cut `body` to: every one for a small body, a dense sample for a large one."""
    size = len(body)
    if size <= SMALL:
        return list(range(size))
    points: set[int] = set(range(EDGE)) | set(range(size - EDGE, size))
    for newline in line_ends(body, MAX_LINES if size < HUGE else MAX_LINES // 5):
        points.update(range(newline - 1, newline + 4))  # the next line's start (after the newline) ±2
    stretch = size // WINDOWS
    for window in range(WINDOWS if size < HUGE else 0):
        start = window * stretch + (window * 7919) % max(stretch - WINDOW, 1)
        points.update(range(start, start + WINDOW))
    points.update(range(0, size, max(size // EVEN, 1)))
    return sorted(point for point in points if 0 <= point < size)


def line_ends(body: bytes, most: int) -> list[int]:
    """Where `body`'s newlines are: all of them, or at most `most`: a quarter from each end, half spread between."""
    ends = [index for index, byte in enumerate(body) if byte == 0x0A]
    if len(ends) <= most:
        return ends
    edge = most // 4
    middle = ends[edge:-edge]
    step = len(middle) / (most - 2 * edge)
    return ends[:edge] + [middle[int(index * step)] for index in range(most - 2 * edge)] + ends[-edge:]


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    equal: int = 0

    def __str__(self) -> str:
        return f"{self.tried} cuts: {self.refused} refused, {self.equal} accepted with equal values"


def check_every_cut(case: Case) -> Tally:
    """Cut `case`'s body at every chosen point; a cut that is read must read as the whole body does."""
    body = case.body()
    served = Served(case.path, case.content_type)
    client = case.client(served)
    served.body = body
    whole = case.read(client)
    assert whole, f"{case.name}: the whole body reads as nothing"
    tally = Tally()
    wrong: list[str] = []
    for point in cut_points(body):
        served.body = body[:point]
        tally.tried += 1
        try:
            got = case.read(client)
        except UpstreamError as refused:
            assert refused.source == case.source
            tally.refused += 1
            continue
        differing = [key for key, value in got.items() if key not in whole or whole[key] != value]
        if differing:
            key = differing[0]
            wrong.append(f"cut at {point}: {key!r} read as {got[key]!r}, the whole body has {whole.get(key)!r}")
        else:
            tally.equal += 1
    assert not wrong, f"{case.name}: {len(wrong)} cuts read wrong values ({tally}); e.g. " + "; ".join(wrong[:3])
    return tally


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_cut_body_is_refused_or_reads_exactly_as_the_whole(case: Case):
    tally = check_every_cut(case)

    assert tally.refused > 0


@pytest.mark.needs_shared
@pytest.mark.parametrize("case", SHARED_CASES, ids=[case.name for case in SHARED_CASES])
def test_a_cut_shared_payload_is_refused_or_reads_exactly_as_the_whole(case: Case):
    tally = check_every_cut(case)

    assert tally.refused > 0


@pytest.mark.needs_shared
def test_a_cut_shared_sample_is_refused_or_reads_exactly_as_the_whole():
    shared_file("samples")
    for case in sample_cases():
        check_every_cut(case)


# ---- the reasons a desk reads ---------------------------------------------------------------------


def _read_once(case: Case, body: bytes) -> UpstreamError:
    served = Served(case.path, case.content_type)
    served.body = body
    with pytest.raises(UpstreamError) as raised:
        case.read(case.client(served))
    return raised.value


def test_the_last_close_cut_to_one_decimal_is_refused_and_named():
    """The 2021 download has no final newline, so its last close's "1.66" cut to "1.6" must still be refused."""
    case = CASES[0]
    body = case.body()
    assert body.endswith(b",1.66")

    error = _read_once(case, body[:-1])

    assert "cut short" in error.reason
    assert str(error).startswith("daily-treasury-rates-2021.csv is unavailable: ")


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("fred_fredgraph_csv_old_format_excerpt.csv", b"DATE,DFF,DGS10,DGS3MO,DGS5\n1979-08-01,10.93,9.02,.,9.0"),
        ("treasury_par_yield_curve_xml_properties_2022-02-01.xml", None),
        ("nyfed_sofr_search_2024-06.json", None),
        (DESK_FEED_FILES[0].name, None),
    ],
)
def test_each_kind_of_cut_says_cut_short(name: str, body: bytes | None):
    case = next(case for case in CASES if case.name == name)
    whole = case.body()

    error = _read_once(case, body if body is not None else whole[: len(whole) * 2 // 3])

    assert "cut short" in error.reason or "cut-short" in error.reason, error.reason


def test_a_body_shorter_than_its_content_length_is_refused_with_the_byte_counts():
    def short(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"refRates": []', headers={"Content-Length": "40"})

    client = UpstreamClient(
        "NY Fed Markets", BASE, transport=httpx.MockTransport(short), max_attempts=1, backoff_seconds=0
    )

    with pytest.raises(
        UpstreamError, match=r"NY Fed Markets is unavailable: it sent a cut-short answer \(15 of 40 bytes\)$"
    ):
        client.get_json("rates/secured/sofr/search.json")


# ---- over real HTTP ------------------------------------------------------------------------------------


def shipped_yields_until(folder: Path, cutoff: date) -> Path:
    """The shipped par curve history with every close after `cutoff` removed (same layout)."""
    path = folder / f"par_yield_history_to_{cutoff.isoformat()}.csv.gz"
    with gzip.open(SHIPPED_HISTORY, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    kept = [lines[0], *(line for line in lines[1:] if line[:10] <= cutoff.isoformat())]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(kept) + "\n")
    return path


def test_a_server_that_hangs_up_before_its_content_length_is_named_and_nothing_is_stored(
    upstream: RecordedUpstream, tmp_path: Path
):
    label = SOURCE_LABELS["treasury_rates"]
    waits: list[float] = []
    client = UpstreamClient(label, upstream.base_url("treasury_rates"), sleep=waits.append, backoff_seconds=60)
    store = sqlite_store(tmp_path)
    history = YieldHistory(
        store, TreasuryRatesSource(client), shipped=shipped_yields_until(tmp_path, date(2025, 2, 13))
    )
    registry = build_registry(Services(store, yields=history))
    first, _ref = execute("yields 10y", _at(date(2025, 2, 19)), registry)
    held = sorted((record.key, json.dumps(record.values, sort_keys=True)) for record in store.load("par_yield_curve"))
    assert first.outcome is Outcome.OK and "close 2025-02-18" in first.text and len(held) == 2

    upstream.play("treasury_rates", Fault.CUT_SHORT)
    reply, _ref = execute("yields 10y", _at(date(2025, 2, 20)), registry)
    seen = reply.text + "\n" + json.dumps(reply.blocks, ensure_ascii=False)

    assert reply.outcome is Outcome.OK, seen
    assert f"{label} is unavailable: it sent a cut-short answer (134 of 269 bytes)" in seen, seen
    assert "close 2025-02-18" in seen  # the stored close, as it was
    assert sorted((r.key, json.dumps(r.values, sort_keys=True)) for r in store.load("par_yield_curve")) == held
    assert waits == [1.0, 2.0]  # retried like a dropped connection, then left alone


def _at(day: date) -> CommandContext:
    return CommandContext(now=datetime(day.year, day.month, day.day, 10, tzinfo=DESK_TZ), user_id="U0TRADER")


def test_a_when_issued_feed_cut_inside_its_last_line_is_refused_not_read_short() -> None:
    from market.auctions.wi import WiFeedError, parse_wi_feed

    whole = "tenor,auction_date,wi_yield,as_of\n10y,2025-04-09,4.41,2025-04-09T12:55:00-04:00\n"
    assert [quote.wi_yield for quote in parse_wi_feed(whole)] == [4.41]
    for cut in range(len("tenor,auction_date,wi_yield,as_of\n") + 1, len(whole) - 1):
        with pytest.raises(WiFeedError, match="cut short"):
            parse_wi_feed(whole[:cut])
