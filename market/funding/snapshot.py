"""One day of overnight funding, each figure against its recent history (for `/funding`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from market.analytics.stress import stress_percentile
from market.funding.book import IORB_START, FundingBook
from market.funding.gauge import sofr_minus_reserves
from market.publication import Dataset, PointInTime, day_complete_at

RECENT = timedelta(days=365)


@dataclass(frozen=True)
class Reading:
    """A figure on the day, with where it sits in the past year (percentile, low, high)."""

    value: float | None
    day: date | None = None
    percentile: float | None = None
    low: float | None = None
    high: float | None = None
    previous: float | None = None
    # Where the comparison starts and how many fixings it holds; short when the series is younger than a year.
    since: date | None = None
    count: int = 0

    @property
    def full_year(self) -> bool:
        """True when the comparison covers the whole year before the day."""
        return self.since is not None and self.day is not None and (self.since - (self.day - RECENT)).days <= 7


@dataclass(frozen=True)
class FundingSnapshot:
    day: date
    sofr: pd.Series  # rate, p1, p25, p75, p99, volume_bn on `day`
    sofr_recent: Reading
    others: dict[str, Reading]  # TGCR, BGCR, EFFR (value None when not published that day)
    reserve_label: str  # "IORB" or "IOER"
    reserve_rate: float | None
    sofr_reserve_bp: Reading
    target_low: float | None
    target_high: float | None
    repo_ops: Reading  # $bn, the day's repo operations summed
    repo_ops_label: str  # "SRF take-up" or "Fed repo operations"
    rrp: Reading  # $bn


def reading(series: pd.Series, day: date, exact: bool = True) -> Reading:
    """`series` on `day` (or the latest before, when not `exact`) against the year before it."""
    upto = series.loc[: pd.Timestamp(day)].dropna()
    if upto.empty or (exact and upto.index[-1].date() != day):
        return Reading(None)
    value = float(upto.iloc[-1])
    recent = upto.loc[pd.Timestamp(day - RECENT) :]
    return Reading(
        value=value,
        day=upto.index[-1].date(),
        percentile=stress_percentile(recent, value),
        low=float(recent.min()),
        high=float(recent.max()),
        previous=float(upto.iloc[-2]) if len(upto) > 1 else None,
        since=recent.index[0].date(),
        count=len(recent),
    )


def snapshot(book: FundingBook, day: date, point: PointInTime | None = None) -> FundingSnapshot:
    """The funding picture on `day`, which must be a SOFR publication day.

    With a `point` in time, a fixing not yet published then (EFFR comes out an hour after
    SOFR) reads as missing.
    """
    point = point or PointInTime.close(day, day_complete_at(day))
    sofr = book.rates("SOFR")
    row = sofr.loc[pd.Timestamp(day)]
    others = {
        kind: reading(book.rates(kind)["rate"].loc[: pd.Timestamp(point.latest_day(Dataset(kind)))], day)
        for kind in ("TGCR", "BGCR", "EFFR")
    }
    reserves = book.reserve_rate()
    reserve_today = reserves.loc[: pd.Timestamp(day)]
    policy = book.policy().loc[: pd.Timestamp(day)]
    lower = policy["lower"].dropna()
    upper = policy["upper"].dropna()
    repo = book.repo_take_up()
    return FundingSnapshot(
        day=day,
        sofr=row,
        sofr_recent=reading(sofr["rate"], day),
        others=others,
        reserve_label="IORB" if day >= IORB_START else "IOER",
        reserve_rate=float(reserve_today.iloc[-1]) if not reserve_today.empty else None,
        sofr_reserve_bp=reading(sofr_minus_reserves(book), day),
        target_low=float(lower.iloc[-1]) if not lower.empty else None,
        target_high=float(upper.iloc[-1]) if not upper.empty else None,
        repo_ops=reading(repo, day),
        repo_ops_label="SRF take-up" if day >= IORB_START else "Fed repo operations",
        rrp=reading(book.reverse_repo(), day),
    )
