"""One week of dealer positions, each bucket against its own history (for `/dealers`).

Changes are against the weeks 1 and 4 before; a percentile is where the week's
value sits among every week of that bucket up to it (mid-rank for ties; 100 =
the longest on record). A bucket not yet reported that week reads as such,
with the date it starts, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from market.analytics.stress import stress_percentile
from market.dealers.buckets import BUCKETS, REPO_FINANCING, TOTAL, Bucket


@dataclass(frozen=True)
class BucketReading:
    """A bucket in one week, $ millions; None where the week has no figure."""

    bucket: Bucket
    week: date
    value: float | None
    week_change: float | None = None
    month_change: float | None = None  # against 4 weeks before
    percentile: float | None = None
    since: date | None = None  # the first week of the history it is ranked in
    weeks: int = 0

    @property
    def not_yet_reported(self) -> bool:
        """The NY Fed did not report this bucket yet that week (a series break), as opposed to a gap."""
        return self.bucket.starts is not None and self.week < self.bucket.starts


@dataclass(frozen=True)
class DealerWeek:
    """The week's total with its record, the buckets, and repo financing."""

    week: date
    total: BucketReading
    high: float  # the highest total up to this week, and its week
    high_week: date
    buckets: tuple[BucketReading, ...]
    financing: BucketReading

    @property
    def is_record(self) -> bool:
        return self.total.value is not None and self.total.value >= self.high


def bucket_series(frame: pd.DataFrame, bucket: Bucket) -> pd.Series:
    """The bucket by week: its keys summed, NaN unless every key has a figure that week."""
    columns = frame[list(bucket.keys)]
    return columns.sum(axis=1, min_count=len(bucket.keys)).where(columns.notna().all(axis=1))


def read_bucket(frame: pd.DataFrame, bucket: Bucket, week: date) -> BucketReading:
    """`bucket` in `week`, with its changes and its percentile among the weeks up to it."""
    series = bucket_series(frame, bucket).loc[: pd.Timestamp(week)].dropna()
    stamp = pd.Timestamp(week)
    if series.empty or series.index[-1] != stamp:
        return BucketReading(bucket, week, None)
    value = float(series.iloc[-1])

    def change(weeks: int) -> float | None:
        before = pd.Timestamp(week - timedelta(weeks=weeks))
        return value - float(series.loc[before]) if before in series.index else None

    return BucketReading(
        bucket,
        week,
        value,
        week_change=change(1),
        month_change=change(4),
        percentile=stress_percentile(series, value),
        since=series.index[0].date(),
        weeks=len(series),
    )


def dealer_week(frame: pd.DataFrame, week: date) -> DealerWeek:
    """Everything `/dealers` shows for `week`, from `frame` (the book's, up to any date)."""
    totals = bucket_series(frame, TOTAL).loc[: pd.Timestamp(week)].dropna()
    high_at = totals.idxmax()
    return DealerWeek(
        week=week,
        total=read_bucket(frame, TOTAL, week),
        high=float(totals.loc[high_at]),
        high_week=high_at.date(),
        buckets=tuple(read_bucket(frame, bucket, week) for bucket in BUCKETS),
        financing=read_bucket(frame, REPO_FINANCING, week),
    )
