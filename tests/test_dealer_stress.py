"""The gauge's dealer balance-sheet group, read from the shipped NY Fed and OFR history."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from market.analytics.stress import DEALERS
from market.dealers.book import DealerBook
from market.dealers.buckets import BUCKETS
from market.funding.dealer_stress import dealer_components, dealer_coupons, dvp_minus_tri
from market.funding.repo_market import RepoMarket
from market.publication import PointInTime, day_complete_at
from market.tz import DESK_TZ


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[DealerBook, RepoMarket]:
    path = tmp_path_factory.mktemp("dealer-stress") / "deskbot.sqlite3"
    store = SqlRecordStore(create_database(f"sqlite:///{path}"))
    return DealerBook(store), RepoMarket(store)


def test_net_coupons_are_the_total_less_bills_frns_and_tips_which_equals_the_coupon_buckets(books):
    dealers, _ = books
    coupons = dealer_coupons(dealers)
    frame = dealers.frame().loc["2022-01-05":]
    buckets = [key for bucket in BUCKETS if bucket.name.startswith("Coupons") for key in bucket.keys]
    summed = (frame[buckets].dropna().sum(axis=1) / 1000).round(3)
    pd.testing.assert_series_equal(coupons.loc[summed.index], summed, check_names=False)
    assert coupons.index[0] == pd.Timestamp("2015-01-07")  # from the first week FRNs are reported


def test_on_april_9_2025_the_gauge_reads_the_week_public_by_then_not_that_weeks(books):
    dealers, repo = books
    point = PointInTime(day_complete_at(date(2025, 4, 9)), date(2025, 4, 9))
    level, change, gap = dealer_components(dealers, repo, date(2025, 4, 9), point)
    # The week ending 2025-04-02 is public on Thursday 04-10: the close of 04-09 sees 03-26's.
    assert level.observed_on == date(2025, 3, 26) and "week ending 2025-03-26" in level.note
    assert level.value == pytest.approx(dealer_coupons(dealers).loc["2025-03-26"])
    assert level.percentile is not None and level.percentile >= 99  # balance sheets near their fullest
    assert change.alternative_to == "dealer_coupons" and change.value is not None and change.value < 0
    # OFR's tri-party rate comes two business days after the trade: 04-07's gap on 04-09.
    assert gap.observed_on == date(2025, 4, 7)
    assert gap.value == pytest.approx(dvp_minus_tri(repo).loc["2025-04-07"])


def test_the_group_scores_the_larger_of_full_and_filling_fast(books):
    from market.analytics.stress import composite

    dealers, repo = books
    point = PointInTime(day_complete_at(date(2025, 4, 9)), date(2025, 4, 9))
    level, change, gap = dealer_components(dealers, repo, date(2025, 4, 9), point)
    gauge = composite(date(2025, 4, 9), [level, change, gap])
    expected = (max(level.percentile or 0, change.percentile or 0) + (gap.percentile or 0)) / 2
    assert gauge.group_scores[DEALERS] == pytest.approx(expected)


def test_september_2019s_repo_gap_is_signed_tri_party_above_dvp_and_ranked_by_its_size(books):
    dealers, repo = books
    after = PointInTime(datetime(2019, 9, 20, 16, tzinfo=DESK_TZ), date(2019, 9, 19))
    _level, _change, gap = dealer_components(dealers, repo, date(2019, 9, 19), after)
    assert gap.observed_on == date(2019, 9, 17)
    assert gap.value == pytest.approx(-18.0)  # DVP 4.86% − tri-party 5.04%
    assert gap.percentile is not None and gap.percentile >= 99
