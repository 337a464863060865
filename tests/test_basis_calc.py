"""The basis calculator against CME's published conversion factors and published worked examples."""

from __future__ import annotations

from datetime import date

import pytest

from market.analytics.basis import (
    BasisInputError,
    accrued_interest,
    basis,
    conversion_factor,
    format_32nds,
    last_delivery_day,
    parse_contract,
    parse_price,
)
from market.calendar import business_days_after

# CME Group, "Calculating U.S. Treasury Futures Conversion Factors" (2009): the worked factors for one
# deliverable of each contract, as also quoted in a public BondFutureModel test suite
# ("ref: Calculating US Treasury Futures Conversion Factors - CME, 2009").
CME_2009 = [
    ("TU", 1.5, date(2010, 10, 31), date(2008, 12, 1), 0.9229),  # 1-1/2s of Oct 2010, Dec 2008 2-year
    ("Z3N", 1.125, date(2012, 1, 15), date(2009, 3, 1), 0.8747),  # 1-1/8s of Jan 2012, Mar 2009 3-year
    ("FV", 2.75, date(2013, 10, 31), date(2008, 12, 1), 0.8653),  # 2-3/4s of Oct 2013, Dec 2008 5-year
    ("TY", 3.75, date(2018, 11, 15), date(2008, 12, 1), 0.8357),  # 3-3/4s of Nov 2018, Dec 2008 10-year
    ("US", 4.5, date(2038, 5, 15), date(2008, 12, 1), 0.7943),  # 4-1/2s of May 2038, Dec 2008 bond
]
# CME Group, "Understanding Treasury Futures" (table of Dec 2017 10-year deliverables, quoted on
# quant.stackexchange.com/questions/71507): the 2-3/8s of Aug 2024 have factor 0.8072.
CME_UNDERSTANDING = [("TY", 2.375, date(2024, 8, 15), date(2017, 12, 1), 0.8072)]
# CME's conversion factor tables for the Sep 2011 contracts (as quoted in the same public test suite).
CME_TABLES_2011 = [
    ("TU", 1.125, date(2013, 6, 15), date(2011, 9, 1), 0.9201),
    ("FV", 1.375, date(2015, 11, 30), date(2011, 9, 1), 0.8317),
    ("TY", 2.875, date(2018, 3, 31), date(2011, 9, 1), 0.8338),
    ("US", 6.5, date(2026, 11, 15), date(2011, 9, 1), 1.0490),
    ("US", 6.625, date(2027, 2, 15), date(2011, 9, 1), 1.0618),
]


@pytest.mark.parametrize(
    ("contract", "coupon", "maturity", "month", "published"), CME_2009 + CME_UNDERSTANDING + CME_TABLES_2011
)
def test_conversion_factor_matches_cme_to_four_decimals(contract, coupon, maturity, month, published):
    assert conversion_factor(contract, coupon, maturity, month) == pytest.approx(published, abs=5e-5)


def test_implied_repo_matches_the_worked_ty_dec_2017_example():
    """quant.stackexchange.com/questions/71507 works CME's Dec 2017 TY example with Burghardt's formula:
    futures 125.265625, 2-3/8s of Aug 2024 at 101.2266, factor 0.8072, settle 2017-10-11, deliver
    2017-12-29: AI 0.367867 and 0.877717, implied repo 1.783695%."""
    result = basis(
        "TY", 125.265625, 2.375, date(2024, 8, 15), 101.2266, date(2017, 10, 11), date(2017, 12, 29), date(2017, 12, 1)
    )
    assert result.conversion_factor == 0.8072
    assert result.accrued_settle == pytest.approx(0.367867, abs=1e-6)
    assert result.accrued_delivery == pytest.approx(0.877717, abs=1e-6)
    assert result.implied_repo_pct == pytest.approx(1.783695, abs=1e-5)


def test_implied_repo_matches_mathworks_bndfutimprepo_example():
    """MathWorks `bndfutimprepo(129, 98, 21-Sep-2000, 29-Dec-2000, 1.3136, 0.0875, 15-Aug-2020)` = 0.0584."""
    result = basis("US", 98, 8.75, date(2020, 8, 15), 129, date(2000, 9, 21), date(2000, 12, 29), date(2000, 12, 1))
    assert result.conversion_factor == 1.3136  # the CME formula gives the factor the example uses
    assert round(result.implied_repo_pct, 2) == 5.84


def test_net_basis_is_zero_at_the_fair_futures_price_of_mathworks_tfutpricebyrepo():
    """MathWorks `tfutpricebyrepo`: at 2% repo (act/360) the 6s of Aug 2009 at 114.416, settled
    15-Nov-2002 for 15-Dec-2002 delivery with factor 1, price the futures at 114.1201 with 1.9891 accrued."""
    result = basis(
        "TY",
        114.1201,
        6.0,
        date(2009, 8, 15),
        114.416,
        date(2002, 11, 15),
        date(2002, 12, 15),
        date(2002, 12, 1),
        repo_pct=2.0,
        factor=1.0,
    )
    assert result.accrued_delivery == pytest.approx(1.9891, abs=5e-5)
    assert result.implied_repo_pct == pytest.approx(2.00, abs=0.005)
    assert result.net_basis_32nds == pytest.approx(0.0, abs=0.01)
    assert result.gross_basis_32nds == pytest.approx((114.416 - 114.1201) * 32)


def test_net_basis_is_gross_minus_carry_and_vanishes_at_the_implied_repo():
    kwargs = dict(settle=date(2025, 4, 10), delivery=date(2025, 6, 30), delivery_month=date(2025, 6, 1))
    at_irr = basis("TY", 110.5, 4.25, date(2032, 11, 15), 99.25, **kwargs)
    again = basis("TY", 110.5, 4.25, date(2032, 11, 15), 99.25, repo_pct=at_irr.implied_repo_pct, **kwargs)
    assert again.net_basis_32nds == pytest.approx(0.0, abs=1e-9)
    # A coupon (May 15) falls before delivery: it counts in carry and in the implied repo.
    assert at_irr.interim_coupon == 2.125
    with_repo = basis("TY", 110.5, 4.25, date(2032, 11, 15), 99.25, repo_pct=4.33, **kwargs)
    assert with_repo.net_basis_32nds == pytest.approx(with_repo.gross_basis_32nds - with_repo.carry_32nds)


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("112-16", 112.5),
        ("112-16+", 112.515625),
        ("112-165", 112.515625),
        ("112-162", 112.5078125),
        ("112-167", 112.5234375),
        ("99-08", 99.25),
        ("99.25", 99.25),
        ("110-00", 110.0),
    ],
)
def test_prices_in_decimal_or_32nds(text, price):
    assert parse_price(text) == price


@pytest.mark.parametrize(
    "text", ["110-99", "110-32", "110-163", "abc", "110-1", "-5", "1e9", "0.0001", "0-01", "999-00", "nan"]
)
def test_malformed_prices_are_refused(text):
    with pytest.raises(BasisInputError):
        parse_price(text)


def test_32nds_are_printed_the_desk_way():
    assert [format_32nds(p) for p in (110.515625, 99.25, 112.5078125, 112.5234375, 101.99999)] == [
        "110-16+",
        "99-08",
        "112-162",
        "112-167",
        "102-00",
    ]


def test_contracts_and_delivery_days():
    assert parse_contract("TY", date(2025, 4, 10)) == ("TY", date(2025, 6, 1))
    assert parse_contract("tym5", date(2025, 4, 10)) == ("TY", date(2025, 6, 1))
    assert parse_contract("USZ25", date(2025, 4, 10)) == ("US", date(2025, 12, 1))
    assert parse_contract("TY", date(2025, 6, 30)) == ("TY", date(2025, 9, 1))  # June's last delivery day passed
    assert last_delivery_day("TY", 2025, 6) == date(2025, 6, 30)
    assert last_delivery_day("FV", 2025, 6) == date(2025, 7, 3)
    # The 3rd business day of January 2026 skips New Year's Day, not only the weekend.
    assert last_delivery_day("FV", 2025, 12) == date(2026, 1, 6)


def test_settlement_skips_bond_market_holidays():
    # Traded on Thursday 3 July 2025: T+1 is Monday 7 July (Independence Day, then the weekend).
    assert business_days_after(date(2025, 7, 3), 1) == date(2025, 7, 7)
    assert business_days_after(date(2025, 4, 17), 1) == date(2025, 4, 21)  # SIFMA closes Good Friday
    with pytest.raises(BasisInputError):
        parse_contract("ZZ", date(2025, 4, 10))


def test_accrued_interest_on_an_end_of_month_note():
    # 4-1/8s of 31 Oct 2029: coupons 30 Apr / 31 Oct; 2025-05-15 is 15 of 184 days into the period.
    assert accrued_interest(4.125, date(2029, 10, 31), date(2025, 5, 15)) == pytest.approx(2.0625 * 15 / 184)
