"""The gauge's dealer balance-sheet group: how full dealers are, how fast they are filling, and the repo gap.

- Dealers' net coupon positions ($bn): the NY Fed's total less bills, FRNs and TIPS, which
  equals the sum of the coupon buckets every week since 2022 and, before, still counts the
  over-11y coupons the NY Fed then reported as one bucket. From 2015-01-07 (FRNs reported).
- Its 4-week change: dealers taking on coupons fast is balance-sheet strain. Full or filling
  fast are two readings of one strain, so the group scores the larger of the two (a
  full balance sheet that shed a little last month is still full).
- DVP − tri-party overnight repo (bp), scored by its size either way: dealer-intermediated
  repo parting from the cash lenders' platform is the intermediation premium that opened in
  September 2019 (tri-party above) and spring 2025 (DVP above).
Each reads only the weeks and days published by the gauge's point in time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from market.analytics import stress
from market.analytics.stress import DEALERS, Component
from market.dealers.book import DealerBook
from market.dealers.buckets import BUCKETS, FRN_REPORTED, TOTAL
from market.funding.repo_day import dvp_minus_tri
from market.funding.repo_market import RepoMarket
from market.publication import Dataset, PointInTime

# A dealer week is public 8 days after its Wednesday, so the latest can be 15 days old.
DEALER_MAX_AGE_DAYS = 16
NOT_COUPONS = ("Bills", "FRN", "TIPS")


def dealer_coupons(dealers: DealerBook) -> pd.Series:
    """Dealers' net coupon positions by as-of Wednesday, $bn (weeks with every line reported)."""
    frame = dealers.frame()
    keys = [key for bucket in BUCKETS if bucket.name in NOT_COUPONS for key in bucket.keys]
    parts = frame[[TOTAL.keys[0], *keys]].loc[pd.Timestamp(FRN_REPORTED) :].dropna()
    return ((parts[TOTAL.keys[0]] - parts[keys].sum(axis=1)) / 1000.0).round(3)


def dealer_components(dealers: DealerBook, repo: RepoMarket, as_of: date, point: PointInTime) -> list[Component]:
    """The three dealer components on `as_of` as published at `point`."""
    week = dealers.public_week(point)
    coupons = dealer_coupons(dealers)
    if week is None:
        level = stress.missing("dealer_coupons", DEALERS, "Dealers' net coupon positions", "$bn", "no week public yet")
        change = stress.missing(
            "dealer_coupons_4w", DEALERS, "Dealers' coupons, 4-week change", "$bn", "no week public"
        )
    else:
        published = coupons.loc[: pd.Timestamp(week)]
        level = stress.level_component(
            "dealer_coupons",
            DEALERS,
            "Dealers' net coupon positions",
            "$bn",
            published,
            as_of,
            change_label="w/w",
            max_age_days=DEALER_MAX_AGE_DAYS,
            missing_reason="no primary dealer week published on or before this date",
            note=f"week ending {week} (NY Fed FR 2004, public 8 days later)",
        )
        change = stress.level_component(
            "dealer_coupons_4w",
            DEALERS,
            "Dealers' coupons, 4-week change",
            "$bn",
            published.diff(4).dropna(),
            as_of,
            change_label="w/w",
            max_age_days=DEALER_MAX_AGE_DAYS,
            missing_reason="fewer than five dealer weeks published on or before this date",
            note="coupons added fast score as stress; the group takes the larger of level and change",
        )
        change = replace(change, alternative_to="dealer_coupons")
    return [level, change, _repo_gap(repo, point.latest_day(Dataset.OFR_REPO))]


def _repo_gap(repo: RepoMarket, day: date) -> Component:
    """DVP − tri-party, its size either way ranked in its own history; shown with its sign."""
    spread = dvp_minus_tri(repo)
    scored = stress.level_component(
        "dvp_tri",
        DEALERS,
        "DVP − tri-party repo",
        "bp",
        spread.abs(),
        day,
        missing_reason="no OFR DVP and tri-party rates published on or before this date",
        note="the gap's size either way (OFR, two business days after the trade)",
    )
    if not scored.present or scored.observed_on is None:
        return scored
    upto = spread.loc[: pd.Timestamp(scored.observed_on)]
    signed_change = float(upto.iloc[-1] - upto.iloc[-2]) if len(upto) > 1 else None
    return replace(scored, value=float(upto.iloc[-1]), change=signed_change)
