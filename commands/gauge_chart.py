"""The stress gauge's chart for `/basis`: the composite 0-100 and its groups over six months.

Each past reading is `market.funding.gauge.gauge(book, day)` as of that day's close.
One reading costs 10-20 ms on the shipped data (every component ranks its whole
history), so six months of business days (~130 readings, 1.5-3 s) is too slow for
an answer: the chart reads once a week (the week's last business day), plus the
named episodes in range and the day asked (the reply's own reading, highlighted).
Readings are kept per book until its data changes, so the next `/basis` draws
from memory.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, timedelta

from charts.labels import as_of_text, span_text
from charts.specs import Callout, Event, LineChart, Series, Zone
from market.analytics.stress import GROUP_WEIGHTS, RED, YELLOW, Gauge
from market.calendar import is_business_day
from market.funding.book import FundingBook
from market.funding.gauge import gauge

CHART_DAYS = 182
EPISODES: tuple[tuple[date, str], ...] = (
    (date(2019, 9, 17), "Repo spike"),
    (date(2020, 3, 18), "Dash for cash"),
    (date(2023, 3, 13), "SVB"),
    (date(2025, 4, 9), "Basis unwind"),
)
GROUP_NAMES = {"funding": "Funding", "positioning": "Positioning", "rates": "Rates", "desk feed": "Desk feed"}


@dataclass(frozen=True)
class Reading:
    """The gauge on one day: the composite and each group's score (None where it had no data)."""

    day: date
    score: float | None
    groups: tuple[tuple[str, float | None], ...]

    @staticmethod
    def of(result: Gauge) -> Reading:
        return Reading(result.as_of, result.score, tuple((g, result.group_scores.get(g)) for g in GROUP_WEIGHTS))


_kept: weakref.WeakKeyDictionary[FundingBook, tuple[Hashable, dict[date, Reading]]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def sample_days(as_of: date, days: int = CHART_DAYS) -> list[date]:
    """The days read before `as_of`: each week's last business day in the window, and the episodes in it."""
    start = as_of - timedelta(days=days)
    weekly: dict[tuple[int, int], date] = {}
    day = start
    while day < as_of:
        if is_business_day(day):
            weekly[day.isocalendar()[:2]] = day
        day += timedelta(days=1)
    picked = set(weekly.values()) | {episode for episode, _ in EPISODES if start <= episode < as_of}
    return sorted(picked)


def gauge_history(book: FundingBook, days: list[date]) -> list[Reading]:
    """The gauge on each of `days` as of its close, reusing readings made since the book's data last changed."""
    state = _data_state(book)
    with _kept_lock:
        kept_state, readings = _kept.get(book, (None, {}))
        if kept_state != state:
            readings = {}
            _kept[book] = (state, readings)
        missing = [day for day in days if day not in readings]
    made = {day: Reading.of(gauge(book, day)[0]) for day in missing}
    with _kept_lock:
        readings.update(made)
        return [readings[day] for day in days]


def gauge_chart(book: FundingBook, result: Gauge, sources: str) -> LineChart | None:
    """The composite and its groups over `CHART_DAYS` to `result`'s day, episodes marked, that day highlighted."""
    if result.score is None:
        return None
    readings = [r for r in gauge_history(book, sample_days(result.as_of)) if r.score is not None]
    readings.append(Reading.of(result))
    first, last = readings[0].day, readings[-1].day
    series = [Series("Composite", tuple((r.day, r.score) for r in readings), emphasis=True)]
    for group, weight in GROUP_WEIGHTS.items():
        points = tuple((r.day, dict(r.groups).get(group)) for r in readings)
        if any(value is not None for _, value in points):
            series.append(Series(f"{GROUP_NAMES[group]} ({weight:.0%})", points))
    return LineChart(
        title=f"Basis-trade stress gauge, {span_text(first, last)}",
        subtitle=as_of_text(sources, result.as_of, "Weekly readings; 0 = calm, 100 = most stressed"),
        series=tuple(series),
        y_label="Stress score (0–100)",
        y_range=(0.0, 100.0),
        zones=(Zone(YELLOW, RED, f"Yellow ≥ {YELLOW:g}"), Zone(RED, 100.0, f"Red ≥ {RED:g}")),
        events=tuple(Event(day, name) for day, name in EPISODES if first <= day <= last),
        callouts=(Callout(last, result.score, f"{result.score:.0f}\n{last.day} {last:%b}"),),
        filename=f"gauge-{result.as_of}.png",
        alt_text=f"Basis-trade stress gauge {first} to {last}: {result.score:.0f}/100 on {result.as_of}",
    )


def _data_state(book: FundingBook) -> Hashable:
    """What changes when the book's data does: the latest day of each input."""
    positions = book.leveraged_net()
    desk, _notes = book.desk_feed()
    closes = book.closes("10y") if book.closes is not None else None
    return (
        book.latest("SOFR"),
        positions.index[-1] if not positions.empty else None,
        len(positions),
        closes.index[-1] if closes is not None and not closes.empty else None,
        desk.index[-1] if not desk.empty else None,
        len(desk),
    )
