"""The stress gauge's daily history: shipped as the code computes it, extended and kept, and shown."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Outcome
from commands.services import Services
from market.funding.book import FundingBook
from market.funding.gauge_history import DATASET, GAUGE_HISTORY_START, GaugeHistory, compute_readings, read_shipped
from market.tz import DESK_TZ
from market.yields.history import YieldHistory

README = Path(__file__).resolve().parents[1] / "README.md"
# Named episodes plus days from each year of the history, none of them special.
CHECKED_DAYS = (
    date(2018, 4, 2),
    date(2018, 11, 14),
    date(2019, 9, 17),
    date(2020, 3, 18),
    date(2021, 7, 29),
    date(2022, 9, 28),
    date(2023, 3, 13),
    date(2024, 11, 15),
    date(2025, 3, 5),
    date(2025, 4, 9),
    date(2025, 4, 11),
)


def noon_after(day: date, days: int = 1) -> CommandContext:
    after = day + timedelta(days=days)
    return CommandContext(now=datetime(after.year, after.month, after.day, 12, tzinfo=DESK_TZ))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> FundingBook:
    path = tmp_path_factory.mktemp("gauge-history") / "deskbot.sqlite3"
    store = SqlRecordStore(create_database(f"sqlite:///{path}"))
    return FundingBook(store, closes=YieldHistory(store).closes)


@pytest.fixture(scope="module")
def registry(book: FundingBook) -> Registry:
    return build_registry(Services(book.store, funding=book))


def test_the_shipped_history_is_what_the_gauge_computes_on_each_day(book):
    shipped = read_shipped()
    computed = compute_readings(book, CHECKED_DAYS)
    pd.testing.assert_frame_equal(shipped.loc[computed.index], computed, atol=0.006, rtol=0)


def test_the_shipped_history_covers_every_business_day_from_sofrs_first_fixing():
    shipped = read_shipped()
    assert shipped.index[0].date() == GAUGE_HISTORY_START
    assert len(shipped) > 1900  # 2018-04-02 to the end of 2025
    assert shipped["score"].notna().all()
    assert shipped["desk feed"].isna().all()  # shipped without a desk feed


def test_the_readme_episode_scores_are_the_shipped_readings():
    rows = re.findall(r"^\| (\d{4}-\d\d-\d\d) \| [^|]+ \| (\d+) \|", README.read_text(), re.M)
    shipped = read_shipped()
    assert len(rows) == 8
    for day, score in rows:
        assert round(shipped.loc[pd.Timestamp(day), "score"]) == int(score), day


def test_days_past_the_shipped_file_are_computed_once_and_kept(book):
    shipped = read_shipped()
    history = GaugeHistory(book, shipped=shipped.loc[:"2025-03-31"])
    book.store.upsert(DATASET, [])
    readings = history.readings(date(2025, 4, 11))

    kept = {record.observed_on for record in book.store.load(DATASET, since=date(2025, 4, 1))}
    assert kept == {day.date() for day in pd.bdate_range("2025-04-01", "2025-04-11")}
    pd.testing.assert_frame_equal(readings.loc["2025-04-01":], shipped.loc["2025-04-01":"2025-04-11"], atol=0.006)
    # A second history over the same store reads them back rather than computing them again.
    again = GaugeHistory(book, shipped=shipped.loc[:"2025-03-31"])
    assert again._kept().keys() >= {pd.Timestamp(day) for day in kept}


def test_a_day_not_yet_complete_is_shown_but_not_kept(book):
    shipped = read_shipped()
    history = GaugeHistory(book, shipped=shipped.loc[:"2025-05-30"])
    midday = datetime(2025, 6, 3, 12, tzinfo=DESK_TZ)  # 06-03's close and SOFR are not out yet
    readings = history.readings(date(2025, 6, 3), midday)
    assert pd.Timestamp("2025-06-03") in readings.index
    kept = {record.observed_on for record in book.store.load(DATASET, since=date(2025, 6, 1))}
    assert date(2025, 6, 2) in kept and date(2025, 6, 3) not in kept


def test_basis_history_answers_with_the_span_its_rank_episodes_and_a_chart(registry):
    reply = answer("basis history --since 2025-01-01 2025-04-11", noon_after(date(2025, 4, 11), 3), registry)
    text = reply.text
    shipped = read_shipped()
    score = shipped.loc["2025-04-11", "score"]
    assert f"{score:.0f}/100 on 2025-04-11: " in text
    assert "percentile of 1,760 daily readings since 2018-04-02" in text
    top = shipped.loc["2025-01-01":"2025-04-11", "score"]
    assert f"Highest in this span: {top.max():.0f} on {top.idxmax().date()}." in text
    assert f"Named episodes: 2025-04-09 basis unwind: {shipped.loc['2025-04-09', 'score']:.0f}" in text
    assert "of 70 business days" in text
    assert len(reply.charts) == 1 and reply.charts[0].filename == "gauge-history-2025-01-01-2025-04-11.png"
    first = reply.charts[0].series[0].points[0][0]
    assert first == date(2025, 1, 2)  # the first business day of the span


def test_basis_shows_where_the_day_sits_in_the_gauges_history(registry):
    text = answer("basis 2025-04-09", noon_after(date(2025, 4, 9), 3), registry).text
    before = read_shipped().loc[:"2025-04-08", "score"]
    score = float(re.search(r"Stress (\d+)/100", text).group(1))  # type: ignore[union-attr]
    assert re.search(
        r"Stress \d+/100 \((\d+(\.\d)?)(st|nd|rd|th) percentile of 1,758 daily readings since 2018-04-02\)", text
    )
    assert (before <= score + 0.5).mean() > 0.95  # a day near the top of the history


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("basis history --since 2026-01-01 2025-04-11", "`--since` must be before 2025-04-11."),
        ("basis history --since 2025-02-30 2025-04-11", "--since date"),
        ("basis history 2025-04-09 2025-04-10", "Give at most one date"),
        ("basis history --until 2025-04-01", "is not an option here"),
    ],
)
def test_basis_history_refuses_bad_input_with_usage(registry, words, message):
    reply = answer(words, noon_after(date(2025, 4, 11), 3), registry)
    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "basis history [YYYY-MM-DD] [--since YYYY-MM-DD]" in reply.text


def episode_rows() -> list[tuple[str, ...]]:
    pattern = (
        r"^\| (\d{4}-\d\d-\d\d) \| [^|]+ \| (\d+) \| \d+ \| \d+ \| \d+ \| \d+ \| ([\d.]+) \| (\d+)"
        r"(?: \(desk feed (\d+)\))? \|"
    )
    return re.findall(pattern, README.read_text(), re.M)


def test_the_readme_episode_percentiles_rank_each_day_in_the_gauges_daily_history(book):
    rows = episode_rows()
    assert len(rows) == 8
    history = GaugeHistory(book)
    for day, _score, percentile, _with_feed, _feed_group in rows:
        reading = read_shipped().loc[pd.Timestamp(day), "score"]
        rank = history.rank(reading, date.fromisoformat(day))
        assert f"{rank.percentile:.1f}" == percentile, day
        assert rank.since == GAUGE_HISTORY_START


@pytest.mark.needs_shared
def test_the_readme_episode_scores_with_the_desks_feed(tmp_path):
    from market.funding.gauge import gauge
    from market.sources.desk_feed import DeskFeedSource
    from tests.harness.funding import REAL_DESK_FEED, sqlite_store
    from tests.harness.shared_data import shared_file

    store = sqlite_store(tmp_path)
    feeds = [DeskFeedSource(str(shared_file(path))) for path in REAL_DESK_FEED]
    desk = FundingBook(store, closes=YieldHistory(store).closes, desk_feeds=feeds)
    for day, _score, _percentile, with_feed, feed_group in episode_rows():
        result = gauge(desk, date.fromisoformat(day))[0]
        assert round(result.score) == int(with_feed), day
        group = result.group_scores["desk feed"]
        assert (None if group is None else str(round(group))) == (feed_group or None), day
