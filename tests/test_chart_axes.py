"""Every chart kind, built by the real command from the shipped data and drawn, reads at a glance.

Each chart is asked for as a desk member would (the command path over the shipped
history, no network), drawn with `charts.render.draw_figure`, and read back from the
matplotlib Figure: the date ticks fall inside the data and say the month or year they
stand for, no corner offset names another month, the title gives the first and last
dates, every y axis names its unit, and no legend or title sits over the plot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import matplotlib.dates as mdates
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.execution import execute
from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from charts.dates import date_ticks
from charts.labels import span_text
from charts.render import draw_figure, render_png
from charts.specs import CategoryChart, ChartRequest, LineChart, PanelChart
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import build_registry
from commands.registry import Registry
from commands.reply import Reply
from commands.services import BriefingServices, Services
from market.auctions.book import AuctionBook
from market.calendar import business_days
from market.funding.book import FundingBook
from market.yields.history import YieldHistory

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A y label names its unit in brackets: "Yield (%)", "Tail (bp)", "Bid-to-cover (x)", …
UNIT = re.compile(r"\((%|bp|\$bn|x|0–100|million contracts)\)$")
# How a date tick is written: "7 Apr", "7 Apr 2025", "Feb", "Jan 2025", "2019".
TICK = re.compile(r"^(?:(?P<day>\d{1,2}) )?(?:(?P<month>[A-Z][a-z]{2}))?(?: ?(?P<year>\d{4}))?$")

TIME_SERIES = [
    ("yields 30y --as-of 2025-04-11", date(2025, 4, 11)),
    ("yields 30y --since 2005-04-11 --as-of 2025-04-11", date(2025, 4, 11)),
    ("yields 10y --days 30 --as-of 2025-04-11", date(2025, 4, 11)),
    ("yields 2y 10y 30y --as-of 2020-03-18", date(2020, 3, 18)),
    ("funding --as-of 2019-09-17", date(2019, 9, 17)),
    ("funding --as-of 2025-04-11", date(2025, 4, 11)),
    ("basis positioning --as-of 2025-04-11", date(2025, 4, 11)),
    ("basis --as-of 2025-04-11", date(2025, 4, 11)),
    ("basis --as-of 2019-09-17", date(2019, 9, 17)),
    ("auction 10y history --as-of 2025-04-11", date(2025, 4, 11)),
    ("auction 30y history --as-of 2020-03-18", date(2020, 3, 18)),
    ("auction 10y 2025-04-09 history wi=4.46 --as-of 2025-04-11", date(2025, 4, 11)),
    ("briefing 10y 2025-04-09", date(2025, 4, 9)),
    ("flash 10y 2025-04-09", date(2025, 4, 9)),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Every command over the shipped data alone (no upstream configured: nothing is fetched)."""
    folder: Path = tmp_path_factory.mktemp("charts")
    store = SqlRecordStore(create_database(f"sqlite:///{folder / 'charts.sqlite3'}"))
    yields = YieldHistory(store)
    auctions = AuctionBook(store)
    funding = FundingBook(store, closes=yields.closes)
    briefings = BriefingServices(yields=yields, auctions=auctions, funding=funding, skipped_posts=lambda s, e: [])
    yield build_registry(Services(store=store, yields=yields, auctions=auctions, funding=funding, briefings=briefings))


def ask(registry: Registry, text: str, day: date) -> Reply:
    """`text` asked a few days after `day`, when everything for it has been published."""
    now = datetime.combine(day + timedelta(days=4), time(12, 0), tzinfo=DESK_TZ)
    reply, ref = execute(text, CommandContext(now=now, user_id="U0TRADER"), registry)
    assert ref is None, f"{text!r} failed (ref {ref})"
    return reply


def the_chart(registry: Registry, text: str, day: date) -> ChartRequest:
    reply = ask(registry, text, day)
    assert len(reply.charts) == 1, reply.text
    return reply.charts[0]


def data_span(chart: ChartRequest) -> tuple[date, date]:
    """The first and last day the chart has a value for."""
    if isinstance(chart, PanelChart):
        return min(chart.dates), max(chart.dates)
    assert isinstance(chart, LineChart)
    days = [day for series in chart.series for day, value in series.points if value is not None]
    days += [day for band in chart.bands for day, low, high in band.points if low is not None and high is not None]
    return min(days), max(days)


def title_of(fig: Figure) -> str:
    suptitle = fig.get_suptitle()
    return " ".join(suptitle.split())


def date_axis(fig: Figure) -> Axes:
    """The axes whose x tick labels are shown (the bottom panel; a twin shares it)."""
    shown = [ax for ax in fig.axes if any(label.get_text() for label in ax.get_xticklabels())]
    return min(shown, key=lambda ax: ax.get_position().y0)


def assert_tick_names_its_date(label: str, tick: date) -> None:
    match = TICK.match(label)
    assert match and any(match.groupdict().values()), f"{label!r} is not a date tick"
    if match["day"]:
        assert int(match["day"]) == tick.day, (label, tick)
    if match["month"]:
        assert MONTHS.index(match["month"]) + 1 == tick.month, (label, tick)
    if match["year"]:
        assert int(match["year"]) == tick.year, (label, tick)


def months_named(text: str) -> list[tuple[int, int | None]]:
    """(month, year) pairs a text names, e.g. an offset label "2025-Apr" or "Apr 2025"."""
    found = []
    for match in re.finditer(r"(?:(\d{4})-)?\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b(?: (\d{4}))?", text):
        year = match.group(1) or match.group(3)
        found.append((MONTHS.index(match.group(2)) + 1, int(year) if year else None))
    return found


def assert_inside(fig: Figure, texts: list, what: str) -> None:  # type: ignore[type-arg]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = fig.bbox.width, fig.bbox.height
    for text in texts:
        if not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, f"{what} {text.get_text()!r} is cut off"


@pytest.mark.parametrize(("text", "day"), TIME_SERIES)
def test_a_time_series_chart_reads_its_dates_units_and_span_at_a_glance(registry, text, day):
    chart = the_chart(registry, text, day)
    first, last = data_span(chart)
    fig = draw_figure(chart)

    # The date axis: every tick inside the data's span, written as the date it stands at.
    bottom = date_axis(fig)
    ticks = [
        (mdates.num2date(x).date(), label.get_text())
        for x, label in zip(bottom.get_xticks(), bottom.get_xticklabels(), strict=True)
    ]
    assert len(ticks) >= 2
    for tick, label in ticks:
        assert first <= tick <= last, f"tick {label!r} at {tick} is outside {first}…{last}"
        assert_tick_names_its_date(label, tick)
    assert sum(1 for _, label in ticks if months_named(label) or re.search(r"\d{4}", label)) >= 2
    # No corner (offset) label naming a month the data does not reach.
    for ax in fig.axes:
        offset = ax.xaxis.get_offset_text().get_text()
        for month, year in months_named(offset):
            assert (year or last.year, month) <= (last.year, last.month), f"offset {offset!r} after {last}"
        assert offset == ""
    # The title says what and when: the first and last dates of the data.
    title = title_of(fig)
    assert f"{first.day} {first:%b}" in title and f"{first.year}" in title, (title, first)
    assert f"{last.day} {last:%b %Y}" in title, (title, last)
    assert span_text(first, last) in title
    # Every y axis names its unit; the subtitle says source and as-of.
    for ax in fig.axes:
        assert UNIT.search(ax.get_ylabel()), f"y axis {ax.get_ylabel()!r} names no unit"
    subtitle = " ".join(fig.axes[0].get_title(loc="left").split())
    assert "Source: " in subtitle and " as of " in subtitle
    assert_legends_and_titles_clear_of_the_data(fig)


def assert_legends_and_titles_clear_of_the_data(fig: Figure) -> None:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    plots = [ax.get_window_extent(renderer) for ax in fig.axes]
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for plot in plots:
            overlap_x = min(box.x1, plot.x1) - max(box.x0, plot.x0)
            overlap_y = min(box.y1, plot.y1) - max(box.y0, plot.y0)
            assert overlap_x <= 1 or overlap_y <= 1, "a legend sits over the plot"
    assert_inside(fig, [fig._suptitle, *(ax.title for ax in fig.axes), *(ax._left_title for ax in fig.axes)], "title")
    assert_inside(fig, [text for legend in legends for text in legend.get_texts()], "legend entry")


def test_the_30y_history_names_its_months_and_the_rarest_move(registry):
    chart = the_chart(registry, "yields 30y --as-of 2025-04-11", date(2025, 4, 11))
    assert isinstance(chart, LineChart)
    assert chart.title == "30y Treasury yield, 10 Jan – 11 Apr 2025"
    fig = draw_figure(chart)
    labels = [label.get_text() for label in date_axis(fig).get_xticklabels()]
    assert labels == ["Feb 2025", "Mar", "Apr"]
    assert chart.shades[0].label == "Rarest move: 30y +44 bp weekly, largest since 1987"
    shown = [text.get_text() for text in fig.axes[0].texts]
    assert chart.shades[0].label in shown  # named on the chart, in the band above the data


def test_twenty_years_are_labelled_by_year(registry):
    chart = the_chart(registry, "yields 10y --since 2005-04-11 --as-of 2025-04-11", date(2025, 4, 11))
    labels = [label.get_text() for label in date_axis(draw_figure(chart)).get_xticklabels()]
    assert labels == ["2010", "2015", "2020", "2025"]
    assert chart.title == "10y Treasury yield, 11 Apr 2005 – 11 Apr 2025"


def test_funding_on_the_repo_spike_names_september(registry):
    chart = the_chart(registry, "funding --as-of 2019-09-17", date(2019, 9, 17))
    labels = [label.get_text() for label in date_axis(draw_figure(chart)).get_xticklabels()]
    assert labels == ["Apr 2019", "May", "Jun", "Jul", "Aug", "Sep"]
    assert chart.title == "SOFR, its 1st–99th pct band and IOER, 18 Mar – 17 Sep 2019"


def test_positioning_is_plotted_on_dates_not_day_numbers(registry):
    chart = the_chart(registry, "basis positioning --as-of 2025-04-11", date(2025, 4, 11))
    fig = draw_figure(chart)
    low, high = fig.axes[0].get_xlim()
    assert mdates.num2date(low).year == 2022 and mdates.num2date(high).year == 2025
    assert [label.get_text() for label in date_axis(fig).get_xticklabels()][:2] == ["Jul 2022", "Jan 2023"]


def test_the_auction_history_title_lists_exactly_the_panels_drawn(registry):
    chart = the_chart(registry, "auction 30y history --as-of 2020-03-18", date(2020, 3, 18))
    assert isinstance(chart, PanelChart)
    assert (
        chart.title
        == "30-year auctions, 11 Oct 2018 – 12 Mar 2020: high yield, high − median, bid-to-cover, bidder shares"
    )
    assert [panel.y_label for panel in chart.panels] == [
        "High yield (%)",
        "Tail (bp)",
        "Bid-to-cover (x)",
        "Bidders (%)",
    ]
    tail = chart.panels[1]
    assert tail.style == "bar" and [s.label for s in tail.series] == ["High − median"]
    assert tail.series[0].values[-1] == 10.0  # 2020-03-12: high 1.320%, median 1.220%
    bidders = chart.panels[3]
    assert [s.label for s in bidders.series] == ["Dealers", "Indirects", "Directs"]
    assert [t.value for t in bidders.thresholds] == [40.0]
    assert len(draw_figure(chart).axes) == 4


def test_without_a_wi_the_tail_panel_is_high_minus_median_and_with_one_it_is_the_tail(registry):
    chart = the_chart(registry, "auction 10y history --as-of 2025-04-11", date(2025, 4, 11))
    assert isinstance(chart, PanelChart)
    assert chart.title.split(": ")[1] == "high yield, high − median, bid-to-cover, bidder shares"
    assert chart.panels[1].series[0].label == "High − median" and chart.panels[1].series[0].values[-1] == 9.5
    with_wi = the_chart(registry, "auction 10y 2025-04-09 history wi=4.46 --as-of 2025-04-11", date(2025, 4, 11))
    assert isinstance(with_wi, PanelChart)
    assert with_wi.title.split(": ")[1] == "high yield, tail, bid-to-cover, bidder shares"  # WI and medians
    tail = with_wi.panels[1]
    assert tail.series[0].label == "Tail vs WI" and tail.series[0].values[-1] == -2.5


def test_the_gauge_chart_marks_episodes_and_highlights_the_day_asked(registry):
    reply = ask(registry, "basis --as-of 2020-03-18", date(2020, 3, 18))
    (chart,) = reply.charts
    assert isinstance(chart, LineChart)
    score = int(reply.text.split("Stress ")[1].split("/100")[0])
    assert chart.title == "Basis-trade stress gauge, 18 Sep 2019 – 18 Mar 2020"
    assert [series.label for series in chart.series][0] == "Composite" and chart.series[0].emphasis
    labels = {series.label for series in chart.series}
    assert {"Funding (25%)", "Dealers (15%)", "Positioning (15%)", "Rates (20%)"} <= labels
    assert [(event.day, event.label) for event in chart.events] == [(date(2020, 3, 18), "Dash for cash")]
    (today,) = chart.callouts
    assert today.day == date(2020, 3, 18) and round(today.value) == score
    assert chart.y_range == (0.0, 100.0)
    assert chart.series[0].points[-1] == (date(2020, 3, 18), today.value)
    # A reading for every business day of the six months, the day asked last.
    assert [day for day, _ in chart.series[0].points] == business_days(date(2019, 9, 18), date(2020, 3, 18))
    fig = draw_figure(chart)
    assert "Dash for cash" in [text.get_text() for text in fig.axes[0].texts]


def test_a_tenor_without_closes_in_the_span_draws_no_chart_and_says_why(registry):
    reply = ask(registry, "yields 30y --as-of 2006-02-09", date(2006, 2, 9))

    assert reply.charts == ()
    assert (
        "No 30y chart: only one close from 2005-11-10 to 2006-02-09 (Treasury published none between "
        "2002-02-15 and 2006-02-09); `--since` a date before 2002-02-15 draws one."
    ) in reply.text
    both = ask(registry, "yields 10y 30y --as-of 2006-02-09", date(2006, 2, 9))
    (chart,) = both.charts
    assert isinstance(chart, LineChart) and [series.label for series in chart.series] == ["10y"]
    assert "No 30y chart: only one close" in both.text


def test_the_curve_chart_keeps_its_tenors_and_names_its_unit(registry):
    chart = the_chart(registry, "curve --as-of 2025-04-11", date(2025, 4, 11))
    assert isinstance(chart, CategoryChart)
    fig = draw_figure(chart)
    assert [label.get_text() for label in fig.axes[0].get_xticklabels()][0] == "1m"
    assert UNIT.search(fig.axes[0].get_ylabel())
    assert_legends_and_titles_clear_of_the_data(fig)
    assert render_png(chart).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("first", "last", "labels"),
    [
        (date(2025, 4, 7), date(2025, 4, 11), ("7 Apr", "8 Apr", "9 Apr", "10 Apr", "11 Apr")),
        (date(2025, 3, 12), date(2025, 4, 11), ("17 Mar", "24 Mar", "31 Mar", "7 Apr")),
        (date(2024, 12, 1), date(2025, 1, 20), ("2 Dec 2024", "16 Dec", "30 Dec", "13 Jan 2025")),
        (date(2025, 1, 10), date(2025, 4, 11), ("Feb 2025", "Mar", "Apr")),
        (date(2022, 4, 8), date(2025, 4, 8), ("Jul 2022", "Jan 2023", "Jul", "Jan 2024", "Jul", "Jan 2025")),
        (date(1962, 1, 2), date(2025, 4, 11), ("1970", "1980", "1990", "2000", "2010", "2020")),
    ],
)
def test_ticks_are_chosen_for_the_span_and_stay_inside_it(first, last, labels):
    ticks = date_ticks(first, last)
    assert ticks.labels == labels
    assert all(first <= tick <= last for tick in (*ticks.major, *ticks.minor))
    assert all(tick.weekday() < 5 for tick in ticks.major) or ticks.unit != "days"
