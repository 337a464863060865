"""The shipped curve history, and topping it up from Treasury: fetched, stored, and honest when it fails."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path

import pytest

from market.http import UpstreamClient
from market.sources.fred import FredSource
from market.sources.treasury_rates import TreasuryRatesSource
from market.tz import DESK_TZ
from market.yields.history import SHIPPED_HISTORY, YieldHistory
from tests.harness.stores import sqlite_store
from tests.harness.upstream import FIXTURES, RecordedUpstream, Scripted

# PROVENANCE "Facts a desk can check" (closes, percent).
APRIL_2025 = {
    "2025-04-02": (3.91, 4.20, 4.54),
    "2025-04-03": (3.71, 4.06, 4.49),
    "2025-04-04": (3.68, 4.01, 4.41),
    "2025-04-07": (3.73, 4.15, 4.58),
    "2025-04-08": (3.71, 4.26, 4.71),
    "2025-04-09": (3.91, 4.34, 4.72),
    "2025-04-10": (3.84, 4.40, 4.86),
    "2025-04-11": (3.96, 4.48, 4.85),
}
YEAR_2025 = "/daily-treasury-rates.csv/2025/all"
EVENING_2025_04_11 = datetime(2025, 4, 11, 18, 30, tzinfo=DESK_TZ)


@pytest.fixture
def shipped_to_2024(tmp_path: Path) -> Path:
    """The real shipped file cut at 2024-12-31, so 2025 has to come from the live source."""
    with gzip.open(SHIPPED_HISTORY, "rt") as handle:
        lines = [line for line in handle if line.startswith("Date") or line[:4] < "2025"]
    path = tmp_path / "history_to_2024.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(lines)
    return path


def _treasury(upstream: RecordedUpstream) -> TreasuryRatesSource:
    client = UpstreamClient("Treasury par yield curve", upstream.base_url("treasury_rates"), sleep=lambda _s: None)
    return TreasuryRatesSource(client)


def test_shipped_history_holds_the_april_2025_closes_a_desk_can_check(tmp_path):
    frame = YieldHistory(sqlite_store(tmp_path)).frame()

    for day, (two, ten, thirty) in APRIL_2025.items():
        assert tuple(frame.loc[day, ["2y", "10y", "30y"]]) == (two, ten, thirty), day


def test_shipped_history_runs_from_1962_and_leaves_the_30y_gap_blank(tmp_path):
    history = YieldHistory(sqlite_store(tmp_path))

    assert history.first_day() == date(1962, 1, 2)
    assert history.latest_day() == date(2025, 12, 31)
    thirty = history.closes("30y")
    assert thirty.loc["2002-02-15"] == 5.37
    assert thirty.loc["2002-02-19":"2006-02-08"].empty  # Treasury's estimate, not a yield
    assert thirty.loc["2006-02-09"] == 4.51
    assert len(history.frame()) == 15984


def test_a_date_after_the_shipped_data_is_fetched_stored_and_answered(tmp_path, upstream, shipped_to_2024):
    upstream.serve_file("treasury_rates", YEAR_2025, FIXTURES / "daily-treasury-rates-2025-to-0926.csv")
    store = sqlite_store(tmp_path)
    history = YieldHistory(store, _treasury(upstream), shipped=shipped_to_2024)
    assert history.latest_day() == date(2024, 12, 31)

    status = history.ensure_covers(date(2025, 4, 11), EVENING_2025_04_11)

    assert status.refresh_error is None
    assert history.frame().loc["2025-04-11", "30y"] == 4.85
    assert history.source_of(date(2025, 4, 11)) == "Treasury par yield curve"
    assert {record.key for record in store.load("par_yield_curve")} >= {"2025-04-09", "2025-04-11"}
    # A restart answers from the store without asking again.
    asked = len(upstream.requests)
    again = YieldHistory(store, _treasury(upstream), shipped=shipped_to_2024)
    assert again.frame().loc["2025-04-09", "10y"] == 4.34
    again.ensure_covers(date(2025, 4, 11), EVENING_2025_04_11)
    assert len(upstream.requests) == asked


def test_with_the_source_down_the_stored_data_is_kept_and_the_failure_reported(tmp_path, upstream, shipped_to_2024):
    for _ in range(6):  # every retry of the CSV and of the XML fallback
        upstream.fail_next("treasury_rates", 503)
    history = YieldHistory(sqlite_store(tmp_path), _treasury(upstream), shipped=shipped_to_2024)

    status = history.ensure_covers(date(2025, 4, 11), EVENING_2025_04_11)

    assert history.latest_day() == date(2024, 12, 31)
    assert status.stale and status.latest == date(2024, 12, 31) and status.expected == date(2025, 4, 11)
    assert status.refresh_error == "Treasury par yield curve is unavailable: it answered HTTP 503"


def test_garbage_from_the_source_never_overwrites_what_is_stored(tmp_path, upstream, shipped_to_2024):
    store = sqlite_store(tmp_path)
    upstream.serve_file("treasury_rates", YEAR_2025, FIXTURES / "daily-treasury-rates-2025-to-0926.csv")
    YieldHistory(store, _treasury(upstream), shipped=shipped_to_2024).refresh(EVENING_2025_04_11)
    upstream.script("treasury_rates", YEAR_2025, Scripted(b"<html>Oops</html>", 200, "text/html"))
    upstream.script("treasury_rates", "/pages/xml", Scripted(b"<html>Oops</html>", 200, "text/html"))

    later = datetime(2025, 9, 30, 19, 0, tzinfo=DESK_TZ)
    result = YieldHistory(store, _treasury(upstream), shipped=shipped_to_2024).refresh(later)

    assert result.error is not None and "cannot read" in result.error
    history = YieldHistory(store, _treasury(upstream), shipped=shipped_to_2024)
    assert history.frame().loc["2025-04-11", "30y"] == 4.85
    assert history.latest_day() == date(2025, 4, 11)


def test_rows_dated_in_the_future_are_not_stored(tmp_path, upstream, shipped_to_2024):
    upstream.script(
        "treasury_rates",
        YEAR_2025,
        Scripted(b'Date,"10 Yr","30 Yr"\n01/02/2025,4.57,4.79\n12/31/2099,9.99,9.99\n', 200, "text/csv"),
    )
    history = YieldHistory(sqlite_store(tmp_path), _treasury(upstream), shipped=shipped_to_2024)

    history.refresh(datetime(2025, 1, 3, 9, 0, tzinfo=DESK_TZ))

    assert history.latest_day() == date(2025, 1, 2)


def test_the_refresh_reports_its_progress(tmp_path, upstream, shipped_to_2024):
    upstream.serve_file("treasury_rates", YEAR_2025, FIXTURES / "daily-treasury-rates-2025-to-0926.csv")
    said: list[str] = []

    YieldHistory(sqlite_store(tmp_path), _treasury(upstream), shipped=shipped_to_2024).refresh(
        EVENING_2025_04_11, progress=said.append
    )

    assert said[0] == "fetching 2025 from Treasury par yield curve"
    assert said[-1] == "stored 70 days; latest close 2025-04-11"  # nothing after the asking day


def test_with_treasury_down_the_keyless_fred_download_fills_in(tmp_path, upstream):
    """Both FRED CSV layouts come through the same code as the live fallback, over HTTP."""
    with gzip.open(SHIPPED_HISTORY, "rt") as handle:
        lines = [line for line in handle if line.startswith("Date") or line[:4] < "2000"]
    shipped = tmp_path / "history_to_1999.csv.gz"
    with gzip.open(shipped, "wt") as handle:
        handle.writelines(lines)
    upstream.serve_file("fredgraph", "/fredgraph.csv", FIXTURES / "fred_fredgraph_csv_new_format_excerpt.csv")
    for _ in range(12):
        upstream.fail_next("treasury_rates", 503)
    graph = UpstreamClient("FRED (graph download)", upstream.base_url("fredgraph"))
    fred = FredSource(UpstreamClient("FRED", upstream.base_url("fred")), None, graph=graph)
    history = YieldHistory(sqlite_store(tmp_path), _treasury(upstream), fred, shipped=shipped)

    result = history.refresh(datetime(2000, 1, 18, 19, 0, tzinfo=DESK_TZ))

    assert result.error is None and result.latest == date(2000, 1, 18)
    assert history.frame().loc["2000-01-18", "10y"] == 6.75
    assert history.source_of(date(2000, 1, 18)) == "FRED H.15"
    asked = upstream.requests[-1]
    assert asked.source == "fredgraph" and asked.query["id"].startswith("DGS1MO,DGS3MO")


def test_the_old_fred_csv_layout_comes_through_the_keyless_download(upstream):
    upstream.serve_file("fredgraph", "/fredgraph.csv", FIXTURES / "fred_fredgraph_csv_old_format_excerpt.csv")
    graph = UpstreamClient("FRED (graph download)", upstream.base_url("fredgraph"))

    found = FredSource(UpstreamClient("FRED", upstream.base_url("fred")), None, graph=graph).many(["DGS10", "DGS3MO"])

    assert found["DGS10"][0].day == date(1979, 8, 1)
    assert found["DGS3MO"][0].value is None
