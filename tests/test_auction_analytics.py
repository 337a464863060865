"""Grades, tails and flags against the previous six auctions, on the shipped history."""

from __future__ import annotations

from datetime import date

import pytest

from market.analytics.auctions import AuctionPolicy, assess, prior_auctions, tail_bp
from market.auctions.history import shipped_records
from tests.auction_support import shipped


def _dates(records) -> list[str]:  # type: ignore[no-untyped-def]
    return [record.auction_date.isoformat() for record in records]


def test_the_april_2025_ten_year_was_strong_against_its_prior_six():
    assessment = assess(shipped("91282CMM0/2025-04-09"), shipped_records())

    # New issues and reopenings alike: Nov and Feb were new 10-years, the rest reopenings.
    assert _dates(assessment.priors) == [
        "2024-10-09",
        "2024-11-05",
        "2024-12-11",
        "2025-01-07",
        "2025-02-12",
        "2025-03-12",
    ]
    btc = assessment.metrics["bid_to_cover"]
    assert (round(btc.prior_mean, 2), float(btc.prior_low), float(btc.prior_high)) == (2.56, 2.48, 2.70)
    assert round(assessment.metrics["indirect_pct"].prior_mean, 1) == 68.3
    assert assessment.grade.label == "strong"
    assert assessment.grade.reasons == (
        "bid-to-cover above average (2.67x vs 2.56x average)",
        "dealers took less (10.7% vs 13.8% average)",
        "indirects took more (87.9% vs 68.3% average, above the prior range)",
        "directs took less (1.4% vs 17.9% average, below the prior range)",
    )
    assert assessment.grade.score == 3.0  # +1 +1 +2 for cover, dealers, indirects; −1 for directs (half weight)
    assert assessment.flags == (
        "High − median +9.5 bp, above the prior six's range +4.5 bp to +7.2 bp",  # shown, not scored
        "Directs 1.4%, below the prior six's range 8.4–23.6%",
    )
    assert assessment.standouts == ("Indirects 87.9%, above the prior six's range 61.4–77.6%",)


def test_the_november_2023_thirty_year_was_weak_with_cover_below_the_prior_minimum():
    assessment = assess(shipped("912810TV0/2023-11-09"), shipped_records())

    assert assessment.grade.label == "weak"
    assert "Bid-to-cover 2.24x, below the prior six's range 2.35–2.52x" in assessment.flags
    assert "High − median +11.9 bp, above the prior six's range +6.9 bp to +9.7 bp" in assessment.flags
    assert assessment.metrics["high_minus_median_bp"].value == pytest.approx(11.9)


def test_a_tail_against_the_when_issued_is_in_bp_positive_when_tailed():
    record = shipped("912810TV0/2023-11-09")
    assert tail_bp(record, 4.716) == 5.3
    assert tail_bp(record, 4.79) == -2.1
    assert tail_bp(record, None) is None

    tailed = assess(record, shipped_records(), wi_yield=4.716)
    assert "Tailed the when-issued by 5.3 bp (≥ 2 bp)" in tailed.flags
    assert "tailed the when-issued by 5.3 bp" in tailed.grade.reasons


def test_a_stop_through_counts_for_the_auction():
    assessment = assess(shipped("912810UG1/2025-04-10"), shipped_records(), wi_yield=4.84)
    assert assessment.tail_bp == -2.7
    assert assessment.grade.label == "in line"  # −1 for indirects, +2 for stopping through 2.7 bp
    assert "stopped through the when-issued by 2.7 bp" in assessment.grade.reasons


def test_dealers_at_or_above_the_threshold_are_flagged_and_the_threshold_is_configurable():
    frn = shipped("91282CMX6/2025-04-23")  # April 2025 2-year FRN: dealers took 49.6%
    flagged = assess(frn, shipped_records())
    assert flagged.flags[0] == (
        "Dealers took 49.6% of competitive accepted (≥ 40%), above the prior six's range 20.9–34.2%: "
        "heavy, but no failure for a 2-year FRN, whose dealers took ≥ 40% in 4 of its previous 24 auctions"
    )
    assert flagged.grade.label == "weak"  # on its score: cover, dealers and indirects all outside the FRN range

    relaxed = assess(frn, shipped_records(), AuctionPolicy(dealer_flag_pct=50))
    assert not any("Dealers took" in flag for flag in relaxed.flags)


def test_small_value_test_auctions_never_count_among_the_prior_six():
    after_test = shipped("9128286T2/2019-07-10")
    priors = prior_auctions(shipped_records(), after_test)
    assert date(2019, 6, 21) not in [prior.auction_date for prior in priors]
    assert all(not prior.is_small_value for prior in priors)
    assert _dates(priors)[-1] == "2019-06-12"
    assert len(priors) == 6


def test_fewer_than_three_prior_auctions_are_not_graded():
    first_twenty = min((r for r in shipped_records() if r.tenor == "20y"), key=lambda r: r.auction_date)
    assessment = assess(first_twenty, shipped_records())
    assert assessment.grade.label == "not graded"
