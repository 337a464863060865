"""Curve levels, changes over standard horizons, spreads and the shape of a move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

# A spread that moves by less than this is a parallel shift, not a steepener/flattener.
PARALLEL_SPREAD_BP = 2.0
# Both ends moving by less than this is "little changed".
UNCHANGED_BP = 1.0

SPREADS: tuple[tuple[str, str, str], ...] = (("2s10s", "2y", "10y"), ("5s30s", "5y", "30y"), ("10s30s", "10y", "30y"))


@dataclass(frozen=True)
class Horizon:
    """A look-back: "1d" is the previous close, others go back in calendar time."""

    label: str
    days: int | None = None  # calendar days back; None (and no months) = previous close
    months: int | None = None  # calendar months back (same day of the month)
    year_to_date: bool = False


HORIZONS: tuple[Horizon, ...] = (
    Horizon("1d"),
    Horizon("1w", days=7),
    Horizon("1m", months=1),
    Horizon("YTD", year_to_date=True),
)


def close_on_or_before(frame: pd.DataFrame, day: date) -> pd.Timestamp | None:
    """The last published day on or before `day`, or None if the data starts later."""
    position = frame.index.searchsorted(pd.Timestamp(day), side="right")
    return None if position == 0 else frame.index[position - 1]


def base_day(frame: pd.DataFrame, end: pd.Timestamp, horizon: Horizon) -> pd.Timestamp | None:
    """The close a horizon's change is measured from."""
    if horizon.year_to_date:
        return close_on_or_before(frame, date(end.year - 1, 12, 31))
    if horizon.months is not None:
        return close_on_or_before(frame, (end - pd.DateOffset(months=horizon.months)).date())
    if horizon.days is None:
        position = frame.index.get_loc(end)
        return None if position == 0 else frame.index[position - 1]
    return close_on_or_before(frame, (end - timedelta(days=horizon.days)).date())


def change_bp(frame: pd.DataFrame, tenor: str, end: pd.Timestamp, start: pd.Timestamp | None) -> float | None:
    """close(end) − close(start) in bp, or None where either close is missing."""
    if start is None:
        return None
    now, then = frame.at[end, tenor], frame.at[start, tenor]
    if pd.isna(now) or pd.isna(then):
        return None
    return round((float(now) - float(then)) * 100.0, 2)


def spread_bp(frame: pd.DataFrame, day: pd.Timestamp, short: str, long: str) -> float | None:
    """long − short in bp on `day`, or None where either is missing."""
    a, b = frame.at[day, short], frame.at[day, long]
    if pd.isna(a) or pd.isna(b):
        return None
    return round((float(b) - float(a)) * 100.0, 2)


@dataclass(frozen=True)
class ShapeMove:
    """What the curve did between two closes, at its two ends."""

    name: str  # "bear steepener", "bull flattener", "twist", "parallel", "little changed"
    short_bp: float
    long_bp: float

    @property
    def spread_bp(self) -> float:
        return round(self.long_bp - self.short_bp, 2)


def classify_shape(short_bp: float, long_bp: float) -> ShapeMove:
    """Name a move from the changes of the short and the long end (desk conventions)."""
    spread = long_bp - short_bp
    if abs(short_bp) < UNCHANGED_BP and abs(long_bp) < UNCHANGED_BP:
        name = "little changed"
    elif short_bp * long_bp < 0 and abs(short_bp) >= UNCHANGED_BP and abs(long_bp) >= UNCHANGED_BP:
        name = "twist " + ("steepener" if spread > 0 else "flattener")
    elif abs(spread) < PARALLEL_SPREAD_BP:
        name = "parallel " + ("rise" if short_bp + long_bp > 0 else "fall")
    else:
        direction = "bear" if short_bp + long_bp > 0 else "bull"
        name = f"{direction} {'steepener' if spread > 0 else 'flattener'}"
    return ShapeMove(name, short_bp, long_bp)
