"""The stress gauge's charts: six months for `/basis`, any span for `/basis history`.

Both draw the gauge's daily readings (`market.funding.gauge_history`): each business day's
composite and groups as of that day's close, shipped or computed once and kept.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from charts.labels import as_of_text, span_text
from charts.specs import Callout, Event, LineChart, Series, Zone
from market.analytics.stress import GROUP_WEIGHTS, RED, YELLOW, Gauge
from market.funding.book import FundingBook
from market.funding.gauge_history import history_of

CHART_DAYS = 182
# Over a longer span daily lines are noise: the composite is drawn as a weekly average and
# the groups as 3-month averages (the day's own reading is still called out).
DAILY_GROUPS_MAX_DAYS = 400
WEEK_DAYS = 5
SMOOTHING_DAYS = 63
EPISODES: tuple[tuple[date, str], ...] = (
    (date(2019, 9, 17), "Repo spike"),
    (date(2020, 3, 18), "Dash for cash"),
    (date(2023, 3, 13), "SVB"),
    (date(2025, 4, 9), "Basis unwind"),
)
GROUP_NAMES = {
    "funding": "Funding",
    "dealers": "Dealers",
    "positioning": "Positioning",
    "rates": "Rates",
    "desk feed": "Desk feed",
}


def gauge_chart(book: FundingBook, result: Gauge, sources: str) -> LineChart | None:
    """The composite and its groups over `CHART_DAYS` to `result`'s day, episodes marked, that day highlighted."""
    if result.score is None:
        return None
    start = result.as_of - timedelta(days=CHART_DAYS)
    readings = history_of(book).readings(result.as_of - timedelta(days=1)).loc[pd.Timestamp(start) :]
    today = {"score": result.score, **{group: result.group_scores.get(group) for group in GROUP_WEIGHTS}}
    readings.loc[pd.Timestamp(result.as_of)] = [today[column] for column in readings.columns]
    return readings_chart(
        readings,
        sources,
        result.as_of,
        detail="Daily readings; 0 = calm, 100 = most stressed",
        filename=f"gauge-{result.as_of}.png",
    )


def readings_chart(readings: pd.DataFrame, sources: str, as_of: date, *, detail: str, filename: str) -> LineChart:
    """The composite (emphasised) and each group with data, the last reading called out, episodes marked."""
    readings = readings.dropna(subset=["score"])
    first, last = readings.index[0].date(), readings.index[-1].date()
    score = float(readings["score"].iloc[-1])

    def points(column: str) -> tuple[tuple[date, float | None], ...]:
        return tuple((day.date(), None if pd.isna(value) else float(value)) for day, value in readings[column].items())

    smoothed = (last - first).days > DAILY_GROUPS_MAX_DAYS
    if smoothed:
        readings = readings.copy()
        readings["score"] = readings["score"].rolling(WEEK_DAYS, min_periods=1).mean()
        for group in GROUP_WEIGHTS:
            readings[group] = readings[group].rolling(SMOOTHING_DAYS, min_periods=SMOOTHING_DAYS // 2).mean()
    series = [Series("Composite (weekly average)" if smoothed else "Composite", points("score"), emphasis=True)]
    for group, weight in GROUP_WEIGHTS.items():
        if readings[group].notna().any():
            name = f"{GROUP_NAMES[group]} ({weight:.0%}{', 3-month average' if smoothed else ''})"
            series.append(Series(name, points(group)))
    if smoothed:
        detail = "Composite: weekly average of daily readings; groups: 3-month averages; 0 = calm, 100 = most stressed"
    return LineChart(
        title=f"Basis-trade stress gauge, {span_text(first, last)}",
        subtitle=as_of_text(sources, as_of, detail),
        series=tuple(series),
        y_label="Stress score (0–100)",
        y_range=(0.0, 100.0),
        zones=(Zone(YELLOW, RED, f"Yellow ≥ {YELLOW:g}"), Zone(RED, 100.0, f"Red ≥ {RED:g}")),
        events=tuple(Event(day, name) for day, name in EPISODES if first <= day <= last),
        callouts=(Callout(last, score, f"{score:.0f}\n{last.day} {last:%b}"),),
        filename=filename,
        alt_text=f"Basis-trade stress gauge {first} to {last}: {score:.0f}/100 on {last}",
    )
