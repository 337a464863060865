"""The `/dealers` chart: dealers' total net Treasury position and its maturity buckets over 3 years.

Ten buckets would need more colours than the house palette tells apart, so the
chart groups neighbouring coupon buckets (the table in the reply keeps all ten).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from charts.labels import as_of_text, day_text, span_text
from charts.specs import Callout, LineChart, Series, Threshold
from market.dealers.buckets import BUCKETS, SPLIT_OVER_11Y, TOTAL, Bucket
from market.dealers.positions import bucket_series

CHART_YEARS = 3
SOURCE = "NY Fed Primary Dealer Statistics (FR 2004)"
# Chart line → the table's buckets summed into it.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Bills", ("Bills",)),
    ("FRN", ("FRN",)),
    ("Coupons ≤3y", ("Coupons ≤2y", "Coupons 2–3y")),
    ("Coupons 3–7y", ("Coupons 3–6y", "Coupons 6–7y")),
    ("Coupons 7–11y", ("Coupons 7–11y",)),
    ("Coupons >11y", ("Coupons 11–21y", "Coupons >21y")),
    ("TIPS", ("TIPS",)),
)
_BY_NAME = {bucket.name: bucket for bucket in BUCKETS}


def _group(name: str, members: tuple[str, ...]) -> Bucket:
    keys = tuple(key for member in members for key in _BY_NAME[member].keys)
    return Bucket(name, keys)


def _points(series: pd.Series) -> tuple[tuple[date, float | None], ...]:
    return tuple(
        (stamp.date(), None if pd.isna(value) else round(float(value) / 1000, 3)) for stamp, value in series.items()
    )


def dealers_chart(frame: pd.DataFrame, week: date) -> LineChart:
    """The total (black) and the grouped buckets, weekly, in $bn, for the 3 years to `week`."""
    start = pd.Timestamp(week - timedelta(days=365 * CHART_YEARS))
    window = frame.loc[start : pd.Timestamp(week)]
    total = bucket_series(window, TOTAL)
    series = [Series("Total", _points(total), emphasis=True)]
    groups = [Series(name, _points(bucket_series(window, _group(name, members)))) for name, members in GROUPS]
    series += [group for group in groups if any(value is not None for _, value in group.points)]
    shown = total.dropna()
    first, last = shown.index[0].date(), shown.index[-1].date()
    total_bn = float(shown.iloc[-1]) / 1000
    detail = "Weekly (Wednesday), long − short; coupon buckets grouped"
    if first < SPLIT_OVER_11Y:
        detail += f"; >11y from {day_text(SPLIT_OVER_11Y)}"
    return LineChart(
        title=f"Primary dealers' net Treasury positions, {span_text(first, last)}",
        subtitle=as_of_text(SOURCE, week, detail),
        series=tuple(series),
        y_label="Net position ($bn)",
        thresholds=(Threshold(0.0, "flat"),),
        callouts=(Callout(last, total_bn, f"${total_bn:,.0f}bn"),),
        filename=f"dealers-{week}.png",
        alt_text=(
            f"Primary dealers' net Treasury positions, total and by maturity, {first} to {last}: "
            f"total ${total_bn:,.1f}bn in the week ending {last}"
        ),
    )
