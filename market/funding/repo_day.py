"""One day of the repo market by venue, and the spreads a desk watches (for `/funding`).

DVP − tri-party (bp) is what dealers pay to finance specific Treasuries in
cleared repo over what cash lenders get in tri-party; SOFR − TGCR (bp) is how
far the broad rate, which adds the cleared bilateral trades, sits over
general-collateral tri-party. Each spread is ranked among the past 252
business days (or since the series starts, when it is younger than that).
The day shown is the newest one whose tri-party figures were public at the
answer's point in time, so all three venues and the spread are of one day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from market.analytics.stress import stress_percentile
from market.calendar import previous_business_day
from market.funding.book import FundingBook
from market.funding.repo_market import RepoMarket
from market.publication import Dataset, PointInTime

WINDOW_DAYS = 252


@dataclass(frozen=True)
class SpreadReading:
    """A spread in bp on its day, ranked among the window before it (percentile, low, high)."""

    value: float | None
    day: date | None = None
    percentile: float | None = None
    low: float | None = None
    high: float | None = None
    since: date | None = None  # the first day compared
    count: int = 0  # days compared
    full: bool = False  # True when the series covers the whole window


@dataclass(frozen=True)
class RepoDay:
    """The venues' rates (%) and volumes ($bn) on `day`, and the two spreads."""

    day: date
    dvp: float | None
    gcf: float | None
    gcf_all_tenors: bool  # GCF is the all-tenor average: OFR did not publish the overnight rate that day
    tri: float | None
    dvp_volume: float | None
    gcf_volume: float | None
    tri_volume: float | None
    dvp_tri: SpreadReading
    sofr_day: date
    sofr_tgcr: SpreadReading


def window_start(day: date, days: int = WINDOW_DAYS) -> date:
    """The first of the `days` business days ending on `day`."""
    start = day
    for _ in range(days - 1):
        start = previous_business_day(start)
    return start


def spread_reading(series: pd.Series, day: date, days: int = WINDOW_DAYS) -> SpreadReading:
    """`series` (bp) on `day`, ranked among its values in the `days` business days ending then."""
    upto = series.loc[: pd.Timestamp(day)].dropna()
    if upto.empty or upto.index[-1].date() != day:
        return SpreadReading(None)
    start = window_start(day, days)
    recent = upto.loc[pd.Timestamp(start) :]
    value = float(upto.iloc[-1])
    return SpreadReading(
        value=value,
        day=day,
        percentile=stress_percentile(recent, value),
        low=float(recent.min()),
        high=float(recent.max()),
        since=recent.index[0].date(),
        count=len(recent),
        full=upto.index[0].date() <= start,
    )


def _bp(difference: pd.Series) -> pd.Series:
    """Percent difference in bp, rounded to the hundredth so equal spreads rank as ties."""
    return (difference * 100).round(2).dropna()


def dvp_minus_tri(market: RepoMarket) -> pd.Series:
    """DVP − tri-party overnight rate by day, bp."""
    frame = market.frame()
    return _bp(frame["dvp"] - frame["tri"])


def tgcr(book: FundingBook, market: RepoMarket) -> pd.Series:
    """TGCR by day: the NY Fed's own, and OFR's republication where the NY Fed's is not held (before 2022)."""
    own = book.rates("TGCR")["rate"].dropna()
    return own.combine_first(market.frame()["tgcr"].dropna()).sort_index()


def sofr_minus_tgcr(book: FundingBook, market: RepoMarket) -> pd.Series:
    """SOFR − TGCR by day, bp."""
    sofr = book.rates("SOFR")["rate"].dropna()
    return _bp(sofr - tgcr(book, market).reindex(sofr.index))


def _value(frame: pd.DataFrame, day: pd.Timestamp, column: str) -> float | None:
    value = frame.at[day, column]
    return None if pd.isna(value) else float(value)


def repo_day(market: RepoMarket, book: FundingBook, sofr_day: date, point: PointInTime) -> RepoDay | None:
    """The repo market on the newest day public at `point`, with SOFR − TGCR on `sofr_day`; None if there is none."""
    frame = market.frame()
    last = point.latest_day(Dataset.OFR_REPO)
    traded = frame[["dvp", "tri"]].dropna(how="all").loc[: pd.Timestamp(last)]
    if traded.empty:
        return None
    stamp = traded.index[-1]
    gcf = _value(frame, stamp, "gcf")
    return RepoDay(
        day=stamp.date(),
        dvp=_value(frame, stamp, "dvp"),
        gcf=gcf if gcf is not None else _value(frame, stamp, "gcf_all"),
        gcf_all_tenors=gcf is None and _value(frame, stamp, "gcf_all") is not None,
        tri=_value(frame, stamp, "tri"),
        dvp_volume=_value(frame, stamp, "dvp_volume"),
        gcf_volume=_value(frame, stamp, "gcf_volume"),
        tri_volume=_value(frame, stamp, "tri_volume"),
        dvp_tri=spread_reading(dvp_minus_tri(market), stamp.date()),
        sofr_day=sofr_day,
        sofr_tgcr=spread_reading(sofr_minus_tgcr(book, market), sofr_day),
    )
