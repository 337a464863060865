"""Every source failing every way public sources fail, as a desk member sees it.

For each source the recorded-upstream server plays each fault while a real
command runs against a history that stops before the recording: the answer
is the stored data with its date and a note naming the source (or one line
naming the source), never an internal error; the store is left as it was;
and once the source answers normally again, the next command stores the new
data. Retries do not really wait (the wait is recorded) and the back-off
clock is a test clock, so the file runs in seconds per source.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.execution import execute
from bot.storage.market_store import SqlRecordStore
from bot.wiring import SOURCE_LABELS, wire
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import build_registry
from commands.registry import Registry
from commands.reply import Outcome, Reply
from commands.services import Services
from market.auctions.book import AuctionBook
from market.auctions.history import shipped_records
from market.funding.book import FundingBook
from market.http import UpstreamClient, UpstreamError
from market.records import AuctionRecord
from market.sources.cftc import CftcSource
from market.sources.desk_feed import DeskFeedSource
from market.sources.fiscaldata import FiscalDataSource
from market.sources.fred import FredSource
from market.sources.nyfed import NyFedSource
from market.sources.treasury_rates import TreasuryRatesSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.yields.history import SHIPPED_HISTORY, YieldHistory
from tests.auction_support import sqlite_store, td_excerpt, without_results
from tests.harness.faults import STATUS_FAULTS, Fault
from tests.harness.funding import DESK_FEED_FILES, shipped_fred_payload, shipped_operations_payload, shipped_until
from tests.harness.upstream import FIXTURES, RecordedUpstream, Scripted

CLIENT_TIMEOUT_SECONDS = 0.3  # the played timeout holds each request longer than this
BACKOFF_SECONDS = 60.0
LATER = timedelta(minutes=15)  # past every book's own pause between refreshes, and past the back-off
RETRY_AFTER_FAULTS = frozenset(fault for fault, (_status, header) in STATUS_FAULTS.items() if header)
RETRIED_FAULTS = frozenset({Fault.REFUSED, Fault.TIMEOUT, Fault.CUT_SHORT, *STATUS_FAULTS})


class TestClock:
    """The back-off's clock: real-looking UTC time that only moves when told."""

    __test__ = False

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class Rig:
    """The recorded upstream, a fresh store, recorded retry waits and the back-off clock."""

    upstream: RecordedUpstream
    store: SqlRecordStore
    shipped: Path
    clock: TestClock = field(default_factory=TestClock)
    waits: list[float] = field(default_factory=list)

    def client(self, source: str) -> UpstreamClient:
        """A client as `bot.wiring` builds one (label, timeout, back-off), with the waits recorded."""
        return UpstreamClient(
            SOURCE_LABELS[source],
            self.upstream.base_url(source),
            timeout=CLIENT_TIMEOUT_SECONDS,
            backoff_seconds=BACKOFF_SECONDS,
            sleep=self.waits.append,
            clock=self.clock,
        )


@dataclass(frozen=True)
class Desk:
    """What one source's scenario asks, and what the answer must show before and after the fault."""

    registry: Registry
    text: str
    now: datetime
    datasets: tuple[str, ...]
    stale: str  # the stored data's date, as the answer shows it while the source fails
    fresh: str  # the recording's newest date, as the answer shows it once the source is back


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str  # the harness source the fault is played for
    path: str | None  # only this path misbehaves (None: the whole source)
    build: Callable[[Rig], Desk]

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


def et(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ)


def yields_until(target: Path, cutoff: date) -> Path:
    """The shipped curve history with every close after `cutoff` removed (same layout)."""
    path = target / f"par_yield_history_to_{cutoff.isoformat()}.csv.gz"
    if not path.exists():
        with gzip.open(SHIPPED_HISTORY, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        kept = [lines[0], *(line for line in lines[1:] if line[:10] <= cutoff.isoformat())]
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write("\n".join(kept) + "\n")
    return path


def funding_until(target: Path, cutoff: date, policy_cutoff: date | None = None) -> Path:
    """The shipped funding history cut after `cutoff`, and before the 3 years up to it.

    Three years are what the answers compare with; dropping the older years
    keeps each new book's first read of the history short. Written once per module.
    """
    if (target / "fred_policy_rates.csv").exists():
        return target
    return shipped_until(target, cutoff, policy_cutoff, since=cutoff - timedelta(days=3 * 366))


# ---- one scenario per source ------------------------------------------------------------------------


def treasury_csv(rig: Rig) -> Desk:
    """The 2025 CSV (two closes, 14 and 18 Feb) over a history that ends 13 Feb."""
    history = YieldHistory(
        rig.store,
        TreasuryRatesSource(rig.client("treasury_rates")),
        shipped=yields_until(rig.shipped, date(2025, 2, 13)),
    )
    services = Services(rig.store, yields=history)
    return Desk(
        build_registry(services),
        "yields 10y",
        et(date(2025, 2, 19), 10),
        ("par_yield_curve",),
        "the latest close I have is 2025-02-13",
        "close 2025-02-18",
    )


def treasury_xml(rig: Rig) -> Desk:
    """The CSV is not there (404), so the XML feed (one close, 1 Feb 2022) is the one read."""
    rig.upstream.script(
        "treasury_rates", "/daily-treasury-rates.csv/2022/all", Scripted(b"not found", 404, "text/plain")
    )
    rig.upstream.serve_file(
        "treasury_rates", "/pages/xml", FIXTURES / "treasury_par_yield_curve_xml_properties_2022-02-01.xml"
    )
    history = YieldHistory(
        rig.store,
        TreasuryRatesSource(rig.client("treasury_rates")),
        shipped=yields_until(rig.shipped, date(2022, 1, 31)),
    )
    services = Services(rig.store, yields=history)
    return Desk(
        build_registry(services),
        "yields 10y",
        et(date(2022, 2, 2), 10),
        ("par_yield_curve",),
        "the latest close I have is 2022-01-31",
        "close 2022-02-01",
    )


def fred_for_yields(rig: Rig) -> Desk:
    """Treasury has nothing for 2000 (404), so FRED's keyless CSV (from 3 Jan 2000) is the second source."""
    rig.upstream.serve_file("fredgraph", "/fredgraph.csv", FIXTURES / "fred_fredgraph_csv_new_format_excerpt.csv")
    fred = FredSource(rig.client("fred"), None, graph=rig.client("fredgraph"))
    history = YieldHistory(
        rig.store,
        TreasuryRatesSource(rig.client("treasury_rates")),
        fred,
        shipped=yields_until(rig.shipped, date(1999, 12, 31)),
    )
    services = Services(rig.store, yields=history)
    return Desk(
        build_registry(services),
        "yields 10y",
        et(date(2000, 1, 5), 10),
        ("par_yield_curve",),
        "the latest close I have is 1999-12-31",
        "close 2000-01-04",
    )


def before(day: date) -> Callable[[], list[AuctionRecord]]:
    return lambda: [record for record in shipped_records() if record.auction_date < day]


def treasurydirect(rig: Rig) -> Desk:
    """TreasuryDirect's search (the 30-year of 9 Nov 2023) over a history that ends in October 2023."""
    book = AuctionBook(rig.store, TreasuryDirectSource(rig.client("treasurydirect")), shipped=before(date(2023, 11, 1)))
    services = Services(rig.store, auctions=book)
    return Desk(
        build_registry(services),
        "auction 30y",
        et(date(2023, 11, 15), 18),
        ("auctions",),
        "30-year auction 2023-10-12",
        "30-year auction 2023-11-09",
    )


def fiscaldata(rig: Rig) -> Desk:
    """Fiscal Data's bills of January 2026 over a history that ends in 2024: until then, the last shipped 13-week."""
    book = AuctionBook(
        rig.store, fiscaldata=FiscalDataSource(rig.client("fiscaldata")), shipped=before(date(2025, 1, 1))
    )
    services = Services(rig.store, auctions=book)
    return Desk(
        build_registry(services),
        "auction 13w",
        et(date(2026, 1, 30), 18),
        ("auctions",),
        "13-week bill auction 2024-12-30",
        "13-week bill auction 2026-01-26",
    )


def nyfed(rig: Rig) -> Desk:
    """SOFR of 3-4 June 2024 (and the day's repo operations) over a history that ends 31 May."""
    rig.upstream.script(
        "nyfed", "/rp/results/search.json", Scripted(shipped_operations_payload(date(2024, 6, 1), date(2024, 6, 7)))
    )
    book = FundingBook(
        rig.store,
        nyfed=NyFedSource(rig.client("nyfed")),
        shipped=funding_until(rig.shipped / "nyfed", date(2024, 5, 31)),
    )
    return Desk(
        build_registry(Services(rig.store, funding=book)),
        "funding",
        et(date(2024, 6, 5), 9),  # SOFR for 4 June was published at 08:00 on the 5th
        ("nyfed_reference_rates", "nyfed_repo_operations"),
        "Fri 31 May 2024",
        "Tue 04 Jun 2024",
    )


def fred_policy(rig: Rig) -> Desk:
    """FRED's IORB and target range (the API, with a key) after 31 May 2024; SOFR comes from the NY Fed."""
    june = (date(2024, 6, 1), date(2024, 6, 7))
    rig.upstream.script(
        "fred",
        "/series/observations",
        *(Scripted(shipped_fred_payload(series, *june)) for series in ("IORB", "DFEDTARL", "DFEDTARU")),
    )
    rig.upstream.script("nyfed", "/rp/results/search.json", Scripted(shipped_operations_payload(*june)))
    shipped = funding_until(rig.shipped / "fred", date(2024, 5, 31), policy_cutoff=date(2024, 5, 31))
    book = FundingBook(
        rig.store,
        nyfed=NyFedSource(rig.client("nyfed")),
        fred=FredSource(rig.client("fred"), "k" * 32),
        shipped=shipped,
    )
    return Desk(
        build_registry(Services(rig.store, funding=book)),
        "funding",
        et(date(2024, 6, 4), 13),
        ("fred_policy_rates",),
        "policy rates on record through 2024-05-31",
        "below IORB 5.40%",
    )


def cftc(rig: Rig) -> Desk:
    """The TFF report of 19 May 2026 over a history that ends with the report of 12 May."""
    shipped = funding_until(rig.shipped / "cftc", date(2026, 5, 12))
    book = FundingBook(rig.store, cftc=CftcSource(rig.client("cftc")), shipped=shipped)
    return Desk(
        build_registry(Services(rig.store, funding=book)),
        "basis positioning",
        et(date(2026, 5, 22), 16),  # Tuesday's report is released on Friday at 15:30 ET
        ("cftc_tff",),
        "report of Tue 12 May 2026",
        "report of Tue 19 May 2026",
    )


def desk_feed(rig: Rig) -> Desk:
    """The desk's swap-spread and implied-repo CSVs (the synthetic ones), read by URL (nothing of them is stored)."""
    for path in DESK_FEED_FILES:
        rig.upstream.serve_file("desk_feed", f"/{path.name}", path)
    client = rig.client("desk_feed")  # one host, one back-off (as `bot.wiring.desk_feeds` builds them)
    feeds = [DeskFeedSource(f"{client.base_url}/{path.name}", client) for path in DESK_FEED_FILES]
    book = FundingBook(rig.store, desk_feeds=feeds)
    return Desk(
        build_registry(Services(rig.store, funding=book)),
        "basis 2025-04-09",
        et(date(2025, 4, 10), 10),  # the gauge of 9 April, once its SOFR is out
        (),
        "Basis-trade stress — Wed 09 Apr 2025",
        "30y swap spread −95 bp (5-day −10 bp)",
    )


SCENARIOS = (
    Scenario("treasury_rates csv", "treasury_rates", None, treasury_csv),
    Scenario("treasury_rates xml", "treasury_rates", "/pages/xml", treasury_xml),
    Scenario("fred for yields", "fredgraph", None, fred_for_yields),
    Scenario("treasurydirect", "treasurydirect", None, treasurydirect),
    Scenario("fiscaldata", "fiscaldata", None, fiscaldata),
    Scenario("nyfed", "nyfed", None, nyfed),
    Scenario("fred", "fred", None, fred_policy),
    Scenario("cftc", "cftc", None, cftc),
    Scenario("desk feed", "desk_feed", None, desk_feed),
)


# ---- what the user sees -------------------------------------------------------------------------------


def ask(desk: Desk, now: datetime) -> tuple[Reply, str]:
    """The reply through the bot's own execution path, and everything it shows (text and blocks)."""
    reply, _ref = execute(desk.text, CommandContext(now=now, user_id="U0TRADER", channel_id="C0DESK"), desk.registry)
    return reply, reply.text + "\n" + json.dumps(reply.blocks, ensure_ascii=False)


def stored(rig: Rig, desk: Desk) -> dict[str, list[tuple[str, str]]]:
    return {
        dataset: [(record.key, json.dumps(record.values, sort_keys=True)) for record in rig.store.load(dataset)]
        for dataset in desk.datasets
    }


@pytest.fixture(scope="module")
def shipped_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shipped")


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedUpstream]:
    with RecordedUpstream() as running:
        yield running


@pytest.fixture
def upstream(server: RecordedUpstream) -> Iterator[RecordedUpstream]:
    """One recorded-upstream server for the module (starting and stopping one per test is slow), reset per test."""
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def rig(upstream: RecordedUpstream, tmp_path: Path, shipped_dir: Path) -> Iterator[Rig]:
    yield Rig(upstream, sqlite_store(tmp_path), shipped_dir)


def expected_waits(fault: Fault) -> list[float]:
    """Retries of the first failing request only: after it, the back-off answers at once."""
    if fault in RETRY_AFTER_FAULTS:
        return [1.0, 1.0]  # the played Retry-After
    if fault in RETRIED_FAULTS:
        return [1.0, 2.0]
    return []  # a garbage body is not retried: the source answered


@pytest.mark.parametrize("fault", list(Fault), ids=[fault.name.lower() for fault in Fault])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_a_failing_source_answers_from_what_is_stored_and_recovers(rig: Rig, scenario: Scenario, fault: Fault):
    rig.upstream.play(scenario.source, fault, path=scenario.path)
    desk = scenario.build(rig)
    held = stored(rig, desk)

    reply, seen = ask(desk, desk.now)

    assert reply.outcome is not Outcome.FAILED, seen
    assert "Traceback" not in seen and "Something went wrong" not in seen
    assert f"{scenario.label} is unavailable: " in seen, seen
    assert desk.stale in seen, seen
    assert stored(rig, desk) == held  # nothing stored from the garbage, nothing stored overwritten
    assert rig.waits == expected_waits(fault)

    rig.upstream.heal(scenario.source)
    rig.clock.advance(LATER)
    recovered, seen = ask(desk, desk.now + LATER)

    assert recovered.outcome is Outcome.OK, seen
    assert "is unavailable" not in seen, seen
    assert desk.fresh in seen, seen
    if desk.datasets:
        assert sum(map(len, stored(rig, desk).values())) > sum(map(len, held.values()))


# ---- garbage that parses must not erase what is stored ----------------------------------------------


def test_a_refetched_close_keeps_a_tenor_whose_column_the_source_renamed(rig: Rig):
    history = YieldHistory(
        rig.store,
        TreasuryRatesSource(rig.client("treasury_rates")),
        shipped=yields_until(rig.shipped, date(2025, 2, 13)),
    )
    history.refresh(et(date(2025, 2, 19), 10))
    recording = (FIXTURES / "treasury_par_yield_curve_2025_fixture_with_1.5month.csv").read_bytes()
    renamed = recording.replace(b'"10 Yr"', b'"10 Year"')
    rig.upstream.script("treasury_rates", "/daily-treasury-rates.csv/2025/all", Scripted(renamed, 200, "text/csv"))

    result = history.refresh(et(date(2025, 2, 20), 10))  # 14 and 18 Feb are fetched again, without a 10y

    assert result.error is None and result.stored == 2
    assert history.frame().loc["2025-02-18", "10y"] == 4.55
    assert {record.values["10y"] for record in rig.store.load("par_yield_curve")} == {"4.47", "4.55"}


def test_an_auction_fetched_again_without_its_results_keeps_the_stored_results(rig: Rig):
    book = AuctionBook(rig.store, TreasuryDirectSource(rig.client("treasurydirect")), shipped=before(date(2023, 11, 1)))
    book.refresh(date(2023, 11, 1), date(2023, 11, 15), et(date(2023, 11, 15), 18))
    blank = without_results(td_excerpt())
    rig.upstream.script("treasurydirect", "/securities/search", Scripted(json.dumps(blank).encode()))

    refreshed = book.refresh(date(2023, 11, 1), date(2023, 11, 15), et(date(2023, 11, 15), 19))

    assert refreshed.error is None and refreshed.fetched == 3
    [bond] = [record for record in book.records() if record.cusip == "912810TV0"]
    assert str(bond.high_yield) == "4.7690" and bond.has_results


# ---- the back-off, through the wired bot -----------------------------------------------------------


def test_during_an_outage_the_next_command_answers_without_asking_the_source_again(upstream, tmp_path):
    for path in DESK_FEED_FILES:
        upstream.serve_file("desk_feed", f"/{path.name}", path)
    urls = ",".join(f"{upstream.base_url('desk_feed')}/{path.name}" for path in DESK_FEED_FILES)
    settings = Settings(
        **{
            **upstream.env(),
            "DESKBOT_DESK_FEED_URL": urls,
            "DESKBOT_DATA_DIR": str(tmp_path),
            "DESKBOT_UPSTREAM_TIMEOUT_SECONDS": "0.5",
            "DESKBOT_UPSTREAM_BACKOFF_SECONDS": "60",
        },
        _env_file=None,  # type: ignore[call-arg]
    )
    wired = wire(settings)
    upstream.play("desk_feed", Fault.HTTP_503_RETRY_AFTER, retry_after="0")
    ctx = CommandContext(now=et(date(2025, 4, 9), 13), user_id="U0TRADER")

    first, _ref = execute("/deskbot basis 2025-04-09", ctx, wired.registry)
    asked = len(upstream.requests_to("desk_feed"))
    second, _ref = execute("/deskbot basis 2025-04-09", ctx, wired.registry)

    assert asked == 3  # the first file's three attempts; the second file is not asked during the back-off
    assert len(upstream.requests_to("desk_feed")) == asked
    for reply in (first, second):
        context = reply.blocks[-1]["elements"][0]["text"]
        assert "desk feed is unavailable: it answered HTTP 503" in context
        assert reply.outcome is Outcome.OK
    assert "not asked again before" in second.blocks[-1]["elements"][0]["text"]


def test_a_second_process_does_not_retry_a_source_the_first_found_down(upstream, tmp_path):
    settings = Settings(
        **{**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path), "DESKBOT_UPSTREAM_BACKOFF_SECONDS": "60"},
        _env_file=None,  # type: ignore[call-arg]
    )
    upstream.play("treasury_rates", Fault.HTTP_503_RETRY_AFTER, retry_after="0")
    ctx = CommandContext(now=et(date(2026, 1, 7), 10), user_id="U0TRADER")

    first, _ref = execute("/deskbot yields", ctx, wire(settings).registry)  # e.g. one `deskbot ask`
    asked = len(upstream.requests_to("treasury_rates"))
    second, _ref = execute("/deskbot yields", ctx, wire(settings).registry)  # the next, on the same database

    assert asked == 3  # the CSV's three attempts; the XML feed is not asked during the back-off
    assert len(upstream.requests_to("treasury_rates")) == asked
    for reply in (first, second):
        assert reply.outcome is Outcome.OK
        assert ":warning: Stale: the latest close I have is 2025-12-31" in reply.text
        assert "Treasury (daily par yield curve) is unavailable: it answered HTTP 503" in reply.text
    assert "not asked again before" in second.text


def test_the_client_leaves_a_failing_source_alone_for_the_back_off_and_then_asks_again(upstream):
    clock = TestClock()
    upstream.play("cftc", Fault.HTTP_500)
    client = UpstreamClient("CFTC", upstream.base_url("cftc"), sleep=lambda _s: None, clock=clock, backoff_seconds=60)

    with pytest.raises(UpstreamError, match=r"CFTC is unavailable: it answered HTTP 500$"):
        client.get_json("gpe5-46if.json")
    clock.advance(timedelta(seconds=59))
    with pytest.raises(UpstreamError, match=r"it answered HTTP 500 at 13:00 ET; not asked again before 13:01 ET"):
        client.get_json("gpe5-46if.json")
    assert len(upstream.requests_to("cftc")) == 3

    upstream.heal("cftc")
    clock.advance(timedelta(seconds=2))
    rows = client.get_json("gpe5-46if.json")

    assert rows[0]["cftc_contract_market_code"] == "043602"
    assert len(upstream.requests_to("cftc")) == 4


def test_a_long_retry_after_keeps_the_source_alone_at_least_that_long(upstream):
    clock = TestClock()
    upstream.play("nyfed", Fault.HTTP_429_RETRY_AFTER, retry_after="20")
    waits: list[float] = []
    client = UpstreamClient(
        "NY Fed Markets", upstream.base_url("nyfed"), sleep=waits.append, clock=clock, backoff_seconds=5
    )

    with pytest.raises(UpstreamError, match="HTTP 429"):
        client.get_json("rates/secured/sofr/search.json")
    clock.advance(timedelta(seconds=10))
    with pytest.raises(UpstreamError, match="not asked again before 13:00:20 ET"):
        client.get_json("rates/secured/sofr/search.json")

    assert waits == []  # 20 s is not spent inside a command: it answers from stored data at once
    assert len(upstream.requests_to("nyfed")) == 1


def test_with_the_back_off_off_every_request_is_tried(upstream):
    upstream.play("cftc", Fault.HTTP_503)
    client = UpstreamClient("CFTC", upstream.base_url("cftc"), sleep=lambda _s: None, backoff_seconds=0)
    for _ in range(2):
        with pytest.raises(UpstreamError, match="HTTP 503$"):
            client.get_json("gpe5-46if.json")
    assert len(upstream.requests_to("cftc")) == 6
