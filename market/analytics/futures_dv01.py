"""A Treasury future's DV01 from the day's par curve, so positions in different contracts can be added up.

CME Group's "Understanding Treasury Futures" (Johnson, Kerpel and Kronstein, 2017) gives
a future's basis point value as that of its cheapest-to-deliver (CTD) bond divided by the
CTD's conversion factor. Which bond is the CTD on a given day is not in the bot's data,
so each contract stands for a representative one:

- its remaining term is the contract's shortest deliverable term plus two months (about
  the front contract's distance to its delivery month): while yields are below the 6%
  notional coupon, as they have been throughout the CFTC history held (2015 on), the CTD
  is the shortest-duration bond in the basket, i.e. the shortest;
- it is a par bond: its coupon is the day's par yield at that term, interpolated linearly
  in maturity between the published tenors;
- its conversion factor is CME's (`market.analytics.basis.conversion_factor`) for that
  coupon and term.

The result is an approximation of a few percent (a real CTD's coupon is whatever it was
sold at), and it moves with the curve rather than being a fixed number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from market.analytics.basis import conversion_factor
from market.tenors import BY_KEY


@dataclass(frozen=True)
class Representative:
    """The bond a contract's DV01 is read from."""

    root: str
    months: int  # remaining term at the report date
    face: float  # the contract's face value, $
    deliverable: str  # CME's rule, for the README and answers


# Shortest deliverable term + 2 months; CME contract specifications for the deliverable grades.
REPRESENTATIVE: dict[str, Representative] = {
    "TU": Representative("TU", 23, 200_000, "1y9m-2y remaining"),
    "FV": Representative("FV", 52, 100_000, "at least 4y2m remaining"),
    "TY": Representative("TY", 80, 100_000, "6y6m-10y remaining"),
    "TN": Representative("TN", 115, 100_000, "9y5m-10y remaining"),
    "US": Representative("US", 182, 100_000, "15y to under 25y remaining"),
    "WN": Representative("WN", 302, 100_000, "at least 25y remaining"),
}
CURVE_TENORS = ("1y", "2y", "3y", "5y", "7y", "10y", "20y", "30y")
BASE = "TY"


def par_yield(curve: Mapping[str, float], years: float) -> float:
    """The par yield (%) at `years`, linear in maturity between the tenors that have a close (NaN if none)."""
    points = sorted((BY_KEY[tenor].years, value) for tenor, value in curve.items() if not np.isnan(value))
    if not points:
        return float("nan")
    xs, ys = zip(*points, strict=True)
    return float(np.interp(years, xs, ys))


def bond_dv01(coupon_pct: float, years: float, yield_pct: float) -> float:
    """Price change per 100 face for a 1 bp fall in yield, semiannual coupons counted back from maturity."""
    times = np.arange(years, 0.0, -0.5)
    flows = np.full(times.shape, coupon_pct / 2)
    flows[0] += 100.0
    discount = (1 + yield_pct / 200) ** (-2 * times - 1)
    return float((times * flows * discount).sum()) / 10_000


def futures_dv01(root: str, curve: Mapping[str, float], on: date) -> float:
    """$ per contract per bp: the representative CTD's DV01 on `on`'s curve over its conversion factor."""
    bond = REPRESENTATIVE[root]
    years = bond.months / 12
    coupon = par_yield(curve, years)
    if np.isnan(coupon):
        return float("nan")
    first = on.replace(day=1)
    month = first.month - 1 + bond.months
    maturity = first.replace(year=first.year + month // 12, month=month % 12 + 1)
    factor = conversion_factor(root, coupon, maturity, first)
    return bond_dv01(coupon, years, coupon) * bond.face / 100 / factor


def dv01_frame(curve: pd.DataFrame, days: pd.DatetimeIndex, roots: tuple[str, ...]) -> pd.DataFrame:
    """Each root's DV01 ($ per contract per bp) on each of `days`, from the latest curve close on or before it.

    `curve` holds par yields (%) by date, one column per tenor. Adds `curve_day`, the close used.
    """
    curve = curve.sort_index()
    rows: dict[pd.Timestamp, dict[str, object]] = {}
    positions = curve.index.searchsorted(days, side="right") - 1
    for day, position in zip(days, positions, strict=True):
        if position < 0:
            rows[day] = {root: float("nan") for root in roots} | {"curve_day": pd.NaT}
            continue
        closes = curve.iloc[position]
        values = {str(tenor): float(value) for tenor, value in closes.items()}
        rows[day] = {root: futures_dv01(root, values, day.date()) for root in roots}
        rows[day]["curve_day"] = curve.index[position]
    frame = pd.DataFrame.from_dict(rows, orient="index")
    return frame.reindex(columns=[*roots, "curve_day"])
