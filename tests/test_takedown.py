"""The dealer-takedown forecast: nothing published after its time moves it, and posts carry it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.services import BriefingServices, Services
from market.analytics.auctions import AuctionPolicy
from market.analytics.takedown import (
    WITH_LEVERAGED,
    WITH_POSITIONS,
    NoForecast,
    TakedownForecast,
    TakedownInputs,
    forecast_from,
    forecast_takedown,
    prepared,
)
from market.analytics.takedown_backtest import walk_forward
from market.analytics.takedown_features import FeatureBuilder, close_of
from market.auctions.book import AuctionBook
from market.auctions.history import shipped_records
from market.dealers.book import DealerBook
from market.funding.book import FundingBook
from market.records import AuctionRecord
from market.tz import DESK_TZ
from market.yields.history import YieldHistory
from tests.harness.stores import sqlite_store

TEN_YEAR_DAY = date(2025, 4, 9)
THIRTY_YEAR_DAY = date(2025, 4, 10)


def et(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ)


def auction(tenor: str, day: date) -> AuctionRecord:
    (found,) = [r for r in shipped_records() if r.tenor == tenor and r.auction_date == day and not r.is_small_value]
    return found


@pytest.fixture(scope="module")
def yields(tmp_path_factory: pytest.TempPathFactory) -> YieldHistory:
    return YieldHistory(sqlite_store(tmp_path_factory.mktemp("takedown-yields")))


@pytest.fixture(scope="module")
def inputs(yields: YieldHistory) -> TakedownInputs:
    return TakedownInputs(shipped_records(), yields.closes)


def _heavy_dealers(record: AuctionRecord) -> AuctionRecord:
    """The same auction with dealers left holding 90% of it (a record without the figures as it is)."""
    if record.comp_accepted is None:
        return record
    return replace(record, dealer_accepted=record.comp_accepted * Decimal("0.9"))


def _same(one: TakedownForecast | NoForecast, other: TakedownForecast | NoForecast) -> bool:
    assert isinstance(one, TakedownForecast) and isinstance(other, TakedownForecast)
    return (one.point, one.low, one.high, one.drivers, one.training_size) == (
        other.point,
        other.low,
        other.high,
        other.drivers,
        other.training_size,
    )


# ---- no leakage ------------------------------------------------------------------------------------


def test_the_auction_itself_and_later_auctions_do_not_move_the_forecast(inputs: TakedownInputs):
    target = auction("10y", TEN_YEAR_DAY)
    as_of = et(TEN_YEAR_DAY, 12)
    later = [_heavy_dealers(r) if r.auction_date >= TEN_YEAR_DAY else r for r in inputs.records]
    earlier = [_heavy_dealers(r) if r.key == auction("3y", date(2025, 4, 8)).key else r for r in inputs.records]
    shown = replace(inputs, records=later)

    before = forecast_takedown(target, inputs, as_of)
    # The backtest's path holds every auction, so its own cut is what keeps later ones out.
    assert _same(forecast_from(prepared(shown), target, as_of), before)
    assert _same(forecast_takedown(target, shown, as_of), before)
    # The test can see a change: the 3y of the day before, printed by then, does move it.
    moved = forecast_takedown(target, replace(inputs, records=earlier), as_of)
    assert isinstance(moved, TakedownForecast) and isinstance(before, TakedownForecast)
    assert moved.point > before.point + 0.5


def test_closes_from_the_auction_day_on_are_not_read(inputs: TakedownInputs, yields: YieldHistory):
    target = auction("30y", THIRTY_YEAR_DAY)

    def shifted(tenor: str) -> pd.Series:
        series = yields.closes(tenor).copy()
        series.loc[pd.Timestamp(THIRTY_YEAR_DAY) :] += 2.0
        return series

    def shifted_day_before(tenor: str) -> pd.Series:
        series = yields.closes(tenor).copy()
        series.loc[pd.Timestamp(TEN_YEAR_DAY)] += 0.5
        return series

    before = forecast_takedown(target, inputs, et(THIRTY_YEAR_DAY, 12))
    after = prepared(replace(inputs, closes=shifted))
    assert _same(forecast_from(after, target, et(THIRTY_YEAR_DAY, 12)), before)
    # The previous day's close, out at 18:00 the evening before, is read.
    moved = forecast_takedown(target, replace(inputs, closes=shifted_day_before), et(THIRTY_YEAR_DAY, 12))
    assert not _same(moved, before)


def test_positions_published_after_the_close_are_not_used(yields: YieldHistory, tmp_path):
    frame = DealerBook(sqlite_store(tmp_path)).frame()
    target = auction("10y", TEN_YEAR_DAY)
    # Wednesday 2025-04-02's positions come out Thursday 2025-04-10 at 16:15, after the close;
    # the week of 2025-03-26 came out on 2025-04-03 and is the newest a forecast may use.
    later = frame.copy()
    later.loc[pd.Timestamp("2025-04-02") :] *= 5.0
    week = frame.copy()
    week.loc[pd.Timestamp("2025-03-26")] *= 5.0
    closes = {tenor: yields.closes(tenor) for tenor in ("2y", "3y", "5y", "7y", "10y", "20y", "30y")}
    records = shipped_records()

    def read(positions: pd.DataFrame) -> dict[str, float]:
        row = FeatureBuilder(records, closes, positions).row(target, close_of(target))
        assert row.detail["position_week"] == date(2025, 3, 26)
        return {name: row.features[name] for name in ("dealer_position", "dealer_position_4w")}

    assert read(later) == read(frame)
    assert read(week) != read(frame)
    inputs = TakedownInputs(records, yields.closes, positions=frame)
    before = forecast_takedown(target, inputs, et(TEN_YEAR_DAY, 12), WITH_POSITIONS)
    assert _same(
        forecast_takedown(target, replace(inputs, positions=later), et(TEN_YEAR_DAY, 12), WITH_POSITIONS), before
    )


def test_cftc_reports_count_from_their_friday_release(yields: YieldHistory, tmp_path):
    net = FundingBook(sqlite_store(tmp_path)).leveraged_net()
    target = auction("10y", TEN_YEAR_DAY)
    # Tuesday 2025-04-08's report came out Friday 2025-04-11, after the auction.
    later = net.copy()
    later.loc[pd.Timestamp("2025-04-08") :] *= -3.0
    inputs = TakedownInputs(shipped_records(), yields.closes, leveraged=net)
    before = forecast_takedown(target, inputs, et(TEN_YEAR_DAY, 12), WITH_LEVERAGED)
    assert _same(
        forecast_takedown(target, replace(inputs, leveraged=later), et(TEN_YEAR_DAY, 12), WITH_LEVERAGED), before
    )


def test_the_backtest_never_trains_on_the_auction_it_forecasts_or_a_later_one(inputs: TakedownInputs):
    rows = walk_forward(inputs, date(2025, 3, 1), date(2025, 4, 30))

    assert {row.tenor for row in rows} == {"2y", "3y", "5y", "7y", "10y", "20y", "30y"}
    for row in rows:
        assert row.forecast.training_size == len(row.forecast.training_dates)
        assert max(row.forecast.training_dates) < row.day
    # The backtest's forecast is the one a desk would have had at the close.
    (ten,) = [row for row in rows if row.tenor == "10y" and row.day == TEN_YEAR_DAY]
    assert _same(ten.forecast, forecast_takedown(auction("10y", TEN_YEAR_DAY), inputs, et(TEN_YEAR_DAY, 13)))


# ---- what a forecast cannot say -------------------------------------------------------------------


def test_kinds_outside_the_model_and_a_tenor_without_history_say_so(inputs: TakedownInputs):
    tips = forecast_takedown(auction("tips10y", date(2025, 1, 23)), inputs, et(date(2025, 1, 23), 12))
    first_20y = forecast_takedown(auction("20y", date(2020, 5, 20)), inputs, et(date(2020, 5, 20), 12))
    bill = forecast_takedown(auction("13w", date(2025, 1, 6)), inputs, et(date(2025, 1, 6), 11))

    assert tips == NoForecast("tips10y", "no forecast for 10-year TIPS (the model covers nominal notes and bonds)")
    assert first_20y == NoForecast("20y", "no forecast for the 20-year (no earlier auctions with dealer shares)")
    assert isinstance(bill, NoForecast) and bill.reason.startswith("no forecast for 13-week bills")


# ---- in the posts ---------------------------------------------------------------------------------


def _registry(tmp_path, yields: YieldHistory, policy: AuctionPolicy | None = None) -> Registry:  # type: ignore[no-untyped-def]
    store = sqlite_store(tmp_path)
    book = AuctionBook(store, policy=policy or AuctionPolicy())
    briefings = BriefingServices(yields=yields, auctions=book)
    return build_registry(Services(store, yields=yields, auctions=book, briefings=briefings))


def _expected(forecast: TakedownForecast | NoForecast) -> tuple[str, str]:
    assert isinstance(forecast, TakedownForecast)
    return f"{forecast.point:.1f}%", f"80% range {forecast.low:.1f}–{forecast.high:.1f}%"


def test_the_briefing_leads_with_the_forecast_and_the_flash_shows_it_against_the_result(
    tmp_path, yields: YieldHistory, inputs: TakedownInputs
):
    registry = _registry(tmp_path, yields)
    for tenor, day, actual in (("10y", TEN_YEAR_DAY, "10.7%"), ("30y", THIRTY_YEAR_DAY, "12.3%")):
        point, span = _expected(forecast_takedown(auction(tenor, day), inputs, et(day, 12)))

        briefing = answer(f"briefing {tenor} {day}", CommandContext(now=et(day, 12)), registry)
        flash = answer(f"flash {tenor} {day}", CommandContext(now=et(day, 13, 10)), registry)

        lines = briefing.text.splitlines()
        assert lines[1].startswith(f"Dealers expected to take {point} ({span}) — drivers: ")
        assert "fitted on" in lines[1] and "prior-six average" in lines[1]
        assert flash.text.splitlines()[2] == f"Dealers {actual} vs {point} expected ({span}; inside the range)"
        section = next(block for block in flash.blocks if block["type"] == "section")
        assert section["text"]["text"].splitlines()[1] == flash.text.splitlines()[2]


def test_a_preview_reads_only_what_was_out_the_afternoon_before(tmp_path, yields: YieldHistory, inputs: TakedownInputs):
    registry = _registry(tmp_path, yields)
    preview_at = et(TEN_YEAR_DAY, 16)  # before the 10y's day close is published at 18:00
    point, span = _expected(forecast_takedown(auction("30y", THIRTY_YEAR_DAY), inputs, preview_at))

    preview = answer(f"preview 30y {THIRTY_YEAR_DAY}", CommandContext(now=preview_at), registry)

    assert preview.text.splitlines()[1].startswith(f"Dealers expected to take {point} ({span})")
    at_close = forecast_takedown(auction("30y", THIRTY_YEAR_DAY), inputs, et(THIRTY_YEAR_DAY, 12))
    assert _expected(at_close) != (point, span)  # the 10y result and that evening's close came out since


def test_a_range_reaching_the_dealer_line_is_flagged(tmp_path, yields: YieldHistory):
    registry = _registry(tmp_path, yields, AuctionPolicy(dealer_flag_pct=18.0))

    briefing = answer(f"briefing 10y {TEN_YEAR_DAY}", CommandContext(now=et(TEN_YEAR_DAY, 12)), registry)

    line = briefing.text.splitlines()[1]
    assert line.startswith(":warning: Dealers expected to take ") and "reaching the 18% flag line" in line


def test_previews_say_when_there_is_no_forecast(tmp_path, yields: YieldHistory):
    registry = _registry(tmp_path, yields)

    tips = answer("preview tips10y 2025-01-23", CommandContext(now=et(date(2025, 1, 22), 16)), registry)
    twenty = answer("briefing 20y 2020-05-20", CommandContext(now=et(date(2020, 5, 20), 12)), registry)

    assert (
        tips.text.splitlines()[1] == "Dealers: no forecast for 10-year TIPS (the model covers nominal notes and bonds)."
    )
    assert twenty.text.splitlines()[1] == (
        "Dealers: no forecast for the 20-year (no earlier auctions with dealer shares)."
    )
