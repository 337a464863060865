"""The one date axis every time-series chart uses.

Series are plotted against real dates (matplotlib date units). The ticks are
chosen here, in plain Python, for the span of the data, and only ever fall
inside it:

- up to about two months: days, written `7 Apr` (business days only when every day is ticked);
- up to about three years: months, written `Feb`, with the year on the first tick and on
  each January (`Jan 2025`);
- beyond: years, written `2019`.

There is no offset or corner label: each tick says its own month or year, and
the first and last dates of the data are in the title (`charts.labels.span_text`).
Lines over business days are drawn over real dates without gaps at weekends;
bars (one per business day) sit on their own day, so weekends and holidays are
empty, not drawn as trading days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib.dates as mdates
from matplotlib.axes import Axes

DAYS, MONTHS, YEARS = "days", "months", "years"
# At most this many labelled ticks, so labels stay apart at Slack's preview size too.
MAX_TICKS = {DAYS: 6, MONTHS: 6, YEARS: 8}
DAY_STEPS = (1, 2, 7, 14)
# Longer spans are labelled by month even when day ticks would fit.
MAX_DAYS_SPAN = 62
MONTH_STEPS = (1, 2, 3, 6)
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50)
# Room left on each side of the data, as a share of its span (and at least half a day).
PAD_SHARE = 0.015


@dataclass(frozen=True)
class DateTicks:
    """The labelled (major) and unlabelled (minor) ticks for one span of dates."""

    unit: str
    step: int
    major: tuple[date, ...]
    labels: tuple[str, ...]
    minor: tuple[date, ...]


def date_ticks(first: date, last: date) -> DateTicks:
    """The ticks for data from `first` to `last`: the finest scale that fits, every tick inside the span."""
    if last < first:
        first, last = last, first
    for unit, steps in ((DAYS, DAY_STEPS), (MONTHS, MONTH_STEPS), (YEARS, YEAR_STEPS)):
        if unit == DAYS and (last - first).days > MAX_DAYS_SPAN:
            continue
        for step in steps:
            major = _majors(unit, step, first, last)
            if 2 <= len(major) <= MAX_TICKS[unit]:
                return DateTicks(unit, step, major, _labels(unit, major), _minors(unit, step, first, last, major))
    # A single day (or nothing fits): that day alone.
    return DateTicks(DAYS, 1, (last,), (_day_label(last, True),), ())


def apply_date_axis(ax: Axes, first: date, last: date, *, pad_days: float = 0.0) -> DateTicks:
    """Put the date ticks for `first`…`last` on `ax` (and axes sharing its x), with the view just around them.

    `pad_days` widens the view for bars centred on the first and last days.
    """
    ticks = date_ticks(first, last)
    span = (last - first).days
    pad = max(0.5, PAD_SHARE * span) + pad_days
    ax.set_xlim(float(mdates.date2num(first)) - pad, float(mdates.date2num(last)) + pad)
    ax.set_xticks([float(x) for x in mdates.date2num(list(ticks.major))], list(ticks.labels))
    ax.set_xticks([float(x) for x in mdates.date2num(list(ticks.minor))], minor=True)
    return ticks


def bar_width_days(days: Sequence[date], share: float = 0.8) -> float:
    """How wide (in days) a bar on each of `days` can be without touching its neighbour: at most `share` of a day
    for daily data, else `share` of the smallest gap (e.g. about three weeks for monthly auctions)."""
    ordered = sorted(set(days))
    gaps = [(b - a).days for a, b in zip(ordered, ordered[1:], strict=False)]
    return share * (min(gaps) if gaps else 1)


def span_of(days: Iterable[date]) -> tuple[date, date] | None:
    """The first and last of `days`, or None when there are none."""
    ordered = sorted(days)
    return (ordered[0], ordered[-1]) if ordered else None


# ---- ticks ----------------------------------------------------------------------------------------


def _majors(unit: str, step: int, first: date, last: date) -> tuple[date, ...]:
    if unit == DAYS:
        if step < 7:
            # Every (other) business day: a weekend is never labelled as if it traded.
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            business = [day for day in days if day.weekday() < 5] or days
            return tuple(business[::step])
        monday = first + timedelta(days=(7 - first.weekday()) % 7)
        return tuple(_every(monday, last, timedelta(days=step)))
    if unit == MONTHS:
        months = []
        year, month = first.year, first.month
        while date(year, month, 1) <= last:
            day = date(year, month, 1)
            if day >= first and (month - 1) % step == 0:
                months.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(months)
    years = range(first.year, last.year + 1)
    return tuple(date(year, 1, 1) for year in years if year % step == 0 and date(year, 1, 1) >= first)


def _minors(unit: str, step: int, first: date, last: date, major: tuple[date, ...]) -> tuple[date, ...]:
    """Unlabelled ticks between the labels: weeks under a few months, months under years."""
    if unit == DAYS and step >= 14:
        minor = _majors(DAYS, 7, first, last)
    elif unit == MONTHS and step == 1 and (last - first).days <= 125:
        minor = _majors(DAYS, 7, first, last)
    elif unit == MONTHS and step > 1:
        minor = _majors(MONTHS, 1, first, last)
    elif unit == YEARS and step > 1:
        minor = _majors(YEARS, 1 if step <= 5 else step // 5, first, last)
    else:
        return ()
    return tuple(day for day in minor if day not in major)


def _every(start: date, last: date, gap: timedelta) -> list[date]:
    days = []
    day = start
    while day <= last:
        days.append(day)
        day += gap
    return days


def _labels(unit: str, major: tuple[date, ...]) -> tuple[str, ...]:
    labels = []
    for index, day in enumerate(major):
        new_year = index > 0 and day.year != major[index - 1].year
        if unit == DAYS:
            crosses = major[0].year != major[-1].year
            labels.append(_day_label(day, with_year=(index == 0 and crosses) or new_year))
        elif unit == MONTHS:
            labels.append(f"{day:%b %Y}" if index == 0 or day.month == 1 or new_year else f"{day:%b}")
        else:
            labels.append(f"{day.year}")
    return tuple(labels)


def _day_label(day: date, with_year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"
