"""The stress gauge on real data: April 2025 reads as a basis/swap-spread unwind, not a funding squeeze.

Funding, positioning and rates come from the shipped history; the desk feed is the
synthetic one in tests/fixtures/desk_feed/ (its spreads widen 10 bp in the week to
9 April 2025), and, when ../shared is there, the desk's real exports too.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from market.analytics.stress import (
    GROUP_WEIGHTS,
    composite,
    level_component,
    leverage_line,
    stress_percentile,
    traffic_light,
)
from market.funding.gauge import gauge, positioning_table
from market.sources.desk_feed import DeskFeedSource
from tests.harness.funding import DESK_FEED_FILES, REAL_DESK_FEED, book, closes_from_shared, shipped_closes
from tests.harness.shared_data import shared_file

STRESSED, CALM = date(2025, 4, 9), date(2024, 11, 15)


@pytest.fixture(scope="module")
def closes(tmp_path_factory):
    return shipped_closes(tmp_path_factory.mktemp("yields"))


def _desk_feeds(paths=DESK_FEED_FILES):
    return [DeskFeedSource(str(path)) for path in paths]


def test_the_yields_provider_built_for_the_tests_carries_the_april_2025_closes(closes):
    thirty, ten = closes("30y"), closes("10y")
    assert (thirty.loc["2025-04-04"], thirty.loc["2025-04-09"], thirty.loc["2025-04-11"]) == (4.41, 4.72, 4.85)
    assert (ten.loc["2025-04-04"], ten.loc["2025-04-11"]) == (4.01, 4.48)
    # The 30-year's 2002-2006 gap (Treasury's estimate, not a traded yield) is left out, not filled.
    assert thirty.loc["2002-02-19":"2006-02-08"].empty and thirty.loc["2006-02-09"] == 4.51


@pytest.mark.needs_shared
def test_the_shipped_closes_equal_the_raw_fred_and_treasury_files(closes):
    raw = closes_from_shared()
    for tenor in ("10y", "30y"):
        shipped = closes(tenor)
        expected = raw(tenor).loc[: shipped.index[-1]]
        if tenor == "30y":  # FRED's DGS30 holds Treasury's estimate there; the shipped history leaves it blank
            expected = expected.drop(expected.loc["2002-02-19":"2006-02-08"].index)
        pd.testing.assert_series_equal(shipped, expected, check_names=False, check_freq=False, check_index_type=False)


def test_april_9_reads_higher_than_a_calm_day_and_calls_the_basis(tmp_path, closes):
    funding = book(tmp_path, closes=closes)
    stressed, _, _ = gauge(funding, STRESSED)
    calm, _, _ = gauge(funding, CALM)

    assert round(stressed.score) == 82
    assert round(calm.score) == 36  # a calm day reads below 50: a crowded short or full dealers alone is not stress
    # Without the desk feed the gauge sees a sharp rates move, and says it cannot see a basis unwind.
    assert stressed.call.startswith("The data show a sharp rates move (10y 3-day move in its top 2%")
    assert "a basis unwind cannot be told from a rates move" in stressed.call
    assert "funding squeeze" not in stressed.call and "basis/swap-spread unwind" not in stressed.call
    assert calm.call.startswith("No mechanism stands out")
    drivers = [c.key for c in stressed.drivers]
    assert {"move_10y", "move_30y"} == set(drivers[:2]) and "lev_net" in drivers[:4]
    assert "srf" not in drivers


def test_april_9_with_the_desk_feed(tmp_path, closes):
    """The synthetic feed's spreads widen 10 bp, TY implied repo falls 20 bp and TY 1% in the week to 9 April."""
    funding = book(tmp_path, closes=closes, desk_feeds=_desk_feeds())
    stressed, leverage, notes = gauge(funding, STRESSED)
    calm, _, _ = gauge(funding, CALM)
    without_feed, _, _ = gauge(book(tmp_path, closes=closes), STRESSED)

    assert notes == []
    assert round(stressed.score) == 86 and stressed.score > without_feed.score  # the desk feed adds to the stress
    assert round(calm.score) == 36  # the feed starts in 2025: named missing on the calm day, not zero
    assert {c.key for c in calm.missing} == {"swap_spread_30y", "swap_spread_10y", "ty_irp"}
    by_key = {c.key: c for c in stressed.components}
    assert (by_key["swap_spread_30y"].value, by_key["swap_spread_30y"].change) == (-95.0, -10.0)
    assert (by_key["swap_spread_10y"].value, by_key["swap_spread_10y"].change) == (-60.0, -10.0)
    assert by_key["ty_irp"].change == pytest.approx(-25.0)  # 4.40% → 4.20% while SOFR rose 5 bp
    for key in ("swap_spread_30y", "swap_spread_10y", "ty_irp"):  # the largest 5-day fall of the feed's 63
        assert by_key[key].percentile == pytest.approx(100 * 62.5 / 63)
        assert by_key[key].history_from == date(2025, 1, 2)
    assert stressed.group_scores["desk feed"] == pytest.approx(100 * 62.5 / 63)
    assert "a basis/swap-spread unwind (30y swap spread in its top 1%" in stressed.call
    assert "cannot be told" not in stressed.call
    assert leverage.move_pct == pytest.approx(-1.0) and (leverage.start, leverage.end) == (date(2025, 4, 2), STRESSED)
    assert "TY moved −1.00% in the week to 2025-04-09 (20% of the 20× cushion, 50% of the 50× cushion)" in (
        leverage.text()
    )


@pytest.mark.needs_shared
def test_april_9_with_the_desks_real_exports(tmp_path, closes):
    feeds = _desk_feeds([shared_file(relpath) for relpath in REAL_DESK_FEED])
    funding = book(tmp_path, closes=closes, desk_feeds=feeds)
    stressed, leverage, notes = gauge(funding, STRESSED)

    assert notes == []
    assert round(stressed.score) == 82
    spread30 = next(c for c in stressed.components if c.key == "swap_spread_30y")
    assert spread30.value == pytest.approx(-91.95) and spread30.percentile >= 90
    assert "a basis/swap-spread unwind" in stressed.call
    assert leverage.move_pct == pytest.approx(-1.05, abs=0.01)
    assert "20× → 5%, 50× → 2%" in leverage.text()


def test_without_yields_the_rates_component_is_named_missing_and_the_rest_still_calls_it(tmp_path):
    funding = book(tmp_path)
    stressed, _, _ = gauge(funding, STRESSED)
    calm, _, _ = gauge(funding, CALM)

    rates = [c for c in stressed.components if c.group == "rates"]
    assert [c.missing for c in rates] == ["rates: not available (no yields history wired)"] * 2
    assert set(stressed.weights_used) == {"funding", "dealers", "positioning"}
    assert sum(stressed.weights_used.values()) == pytest.approx(1.0)
    assert round(stressed.score) == 76 and round(calm.score) == 52
    assert stressed.score > calm.score
    # A crowded CFTC short alone is no evidence of an unwind: nothing is named, and the call says what it lacks.
    assert stressed.call.startswith("No mechanism stands out") and "cannot be told from a rates move" in stressed.call


def test_funding_components_in_april_2025(tmp_path):
    stressed, _, _ = gauge(book(tmp_path), STRESSED)
    by_key = {c.key: c for c in stressed.components}
    assert by_key["sofr_iorb"].value == pytest.approx(2.0)
    assert by_key["sofr_tail"].value == pytest.approx(16.0)  # 99th percentile 4.58 − SOFR 4.42
    assert by_key["srf"].value == 0.0 and by_key["srf"].percentile == 0.0
    # Tuesday 2025-04-08 positions were published on Friday 04-11: on 04-09 the gauge uses 04-01.
    assert by_key["lev_net"].observed_on == date(2025, 4, 1)


def test_positioning_table_on_the_report_of_april_8(tmp_path):
    report, rows = positioning_table(book(tmp_path), date(2025, 4, 11))
    assert report == date(2025, 4, 8)
    ten = next(r for r in rows if r.code == "043602")
    assert (ten.net, ten.change) == (-1_873_687, -1_873_687 - -1_640_413)
    assert sum(r.net for r in rows) == -8_250_377


def test_percentiles_lights_and_weights():
    history = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert stress_percentile(history, 4.0) == 87.5
    assert stress_percentile(history, 1.0, higher_is_stress=False) == 87.5
    assert [traffic_light(p) for p in (10, 75, 90, None)] == [
        ":large_green_circle:",
        ":large_yellow_circle:",
        ":red_circle:",
        ":white_circle:",
    ]
    assert sum(GROUP_WEIGHTS.values()) == pytest.approx(1.0)


def test_a_component_with_no_recent_data_is_missing_not_zero():
    series = pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-01-02"]))
    component = level_component("x", "funding", "X", "bp", series, date(2025, 1, 1), missing_reason="stale")
    assert component.missing == "stale" and component.percentile is None
    gauge_ = composite(date(2025, 1, 1), [component])
    assert gauge_.score is None and gauge_.missing == (component,)


def test_leverage_line_without_prices_asks_for_the_desk_feed():
    line = leverage_line(None, STRESSED)
    assert line.text() == (
        "Leverage: a loss of 1/L of the position wipes out the equity (20× → 5%, 50× → 2%). "
        "The week's TY move needs the desk feed's TY price."
    )
