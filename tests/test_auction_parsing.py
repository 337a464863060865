"""Auction records from the shipped history and from both live layouts, through the same parsers."""

from __future__ import annotations

import gzip
import json
from datetime import date, time
from decimal import Decimal
from importlib import resources

import pytest

from market.auctions.history import TREASURYDIRECT_FILE, shipped_records
from market.http import UpstreamClient, UpstreamError
from market.records import AuctionFormatError, Kind
from market.sources.fiscaldata import (
    FiscalDataSource,
    parse_fiscaldata_auctions,
    parse_fiscaldata_upcoming,
)
from market.sources.treasurydirect import TreasuryDirectSource, parse_treasurydirect
from tests.auction_support import FD_BILLS, FD_UPCOMING, shipped, td_excerpt, without_results
from tests.harness.shared_data import shared_file
from tests.harness.upstream import Scripted

# The PROVENANCE's table: (key, tenor, term, reopening, high yield, BTC, dealer %, direct %, indirect %).
PROVENANCE_FACTS = [
    ("912810TV0/2023-11-09", "30y", "30-Year", False, "4.769", "2.24", 24.73, 15.16, 60.11),
    ("91282CMW8/2025-04-08", "3y", "3-Year", False, "3.784", "2.47", 20.73, 6.24, 73.03),
    ("91282CMM0/2025-04-09", "10y", "9-Year 10-Month", True, "4.435", "2.67", 10.70, 1.40, 87.90),
    ("912810UG1/2025-04-10", "30y", "29-Year 10-Month", True, "4.813", "2.43", 12.30, 25.82, 61.88),
]


@pytest.mark.parametrize(
    ("key", "tenor", "term", "reopening", "high", "btc", "dealer", "direct", "indirect"), PROVENANCE_FACTS
)
def test_shipped_history_has_the_provenance_figures(key, tenor, term, reopening, high, btc, dealer, direct, indirect):
    record = shipped(key)
    assert record.tenor == tenor
    assert record.security_term == term
    assert record.reopening is reopening
    assert record.high_yield == Decimal(high)
    assert record.bid_to_cover == Decimal(btc)
    assert round(record.dealer_pct, 2) == dealer
    assert round(record.direct_pct, 2) == direct
    assert round(record.indirect_pct, 2) == indirect
    assert record.dealer_accepted + record.direct_accepted + record.indirect_accepted == record.comp_accepted


def test_the_2023_thirty_year_carries_treasurydirect_low_and_median():
    record = shipped("912810TV0/2023-11-09")
    assert (record.low_yield, record.median_yield) == (Decimal("4.590"), Decimal("4.650"))
    assert record.high_minus_median_bp == pytest.approx(11.9)
    assert record.closing_time == time(13, 0)


def test_shipped_history_covers_both_files_once_per_auction():
    records = shipped_records()
    keys = [record.key for record in records]
    assert len(keys) == len(set(keys)) == 745 + 250 - 108 + 2193  # the 108 bonds in both files merge; bills
    assert min(record.auction_date for record in records) == date(1996, 8, 8)
    coupons = [record for record in records if record.kind not in (Kind.BILL, Kind.CMB)]
    assert max(record.auction_date for record in coupons) == date(2025, 12, 24)
    assert max(record.auction_date for record in records) == date(2025, 12, 31)


def test_reopenings_count_with_their_original_term():
    assert shipped("91282CMM0/2025-04-09").original_term == "10-Year"
    assert shipped("91282CMM0/2025-04-09").tenor == "10y"
    assert shipped("912810UG1/2025-04-10").tenor == "30y"
    tips = shipped("91282CNS6/2025-11-20")
    assert (tips.kind, tips.security_term, tips.tenor) == (Kind.TIPS, "9-Year 8-Month", "tips10y")


def test_a_new_note_reusing_an_older_cusip_counts_with_the_term_auctioned():
    two = shipped("912828C57/2019-03-26")
    five = shipped("91282CGQ8/2025-02-25")
    assert (two.original_term, two.reopening, two.tenor) == ("7-Year", True, "2y")
    assert (five.original_term, five.reopening, five.tenor) == ("7-Year", True, "5y")


def test_the_six_small_value_test_auctions_are_recognised():
    small = sorted(
        (record.auction_date.isoformat(), record.tenor) for record in shipped_records() if record.is_small_value
    )
    assert small == [
        ("2019-06-21", "10y"),
        ("2019-12-06", "frn"),
        ("2020-07-10", "tips5y"),
        ("2021-12-02", "20y"),
        ("2022-07-14", "frn"),
        ("2025-12-04", "cmb2d"),  # a $25m cash management bill
    ]


def test_a_tips_and_an_frn_parse_from_the_fiscal_data_layout():
    tips = shipped("91282CNB3/2025-04-17")
    assert (tips.kind, tips.tenor, tips.security_type) == (Kind.TIPS, "tips5y", "Note")
    assert (tips.high_yield, tips.bid_to_cover) == (Decimal("1.7020"), Decimal("2.280000"))
    frn = shipped("91282CMX6/2025-04-23")
    assert (frn.kind, frn.tenor, frn.high_yield, frn.bid_to_cover) == (Kind.FRN, "frn", None, Decimal("2.69"))
    assert frn.has_results
    assert round(frn.dealer_pct, 1) == 49.6


def test_a_bill_parses_from_fiscal_data_with_null_as_missing():
    records = parse_fiscaldata_auctions(json.loads(FD_BILLS.read_text()))
    bill = next(record for record in records if record.key == "912797SL2/2026-01-05")
    assert (bill.kind, bill.tenor, bill.security_term, bill.original_term) == (Kind.BILL, "13w", "13-Week", "26-Week")
    assert bill.high_yield is None  # "null"
    assert (bill.high_discount_rate, bill.high_investment_rate) == (Decimal("3.540000"), Decimal("3.622000"))
    assert bill.stop == Decimal("3.622000")
    assert bill.bid_to_cover == Decimal("2.840000")
    assert bill.offering_amt == Decimal("86000000000")
    assert bill.closing_time == time(11, 30)
    assert len(records) == 25


def test_treasurydirect_bills_cmbs_and_a_bond_parse_with_zero_kept():
    cmb, bill, bond = parse_treasurydirect(td_excerpt())
    assert (cmb.kind, cmb.tenor, cmb.security_type) == (Kind.CMB, "cmb42d", "Bill")
    assert cmb.soma_accepted == Decimal("0")  # "0" is a value, not missing
    assert (bill.kind, bill.tenor, bill.original_term) == (Kind.BILL, "13w", "26-Week")
    assert bill.high_yield is None  # "" for bills
    assert bond.key == "912810TV0/2023-11-09"
    assert bond.high_yield == Decimal("4.7690")


def test_the_live_treasurydirect_record_equals_the_shipped_one():
    live = parse_treasurydirect(td_excerpt())[2]
    assert live.to_values() == shipped("912810TV0/2023-11-09").to_values()


def test_fiscal_data_upcoming_maps_its_own_type_vocabulary():
    records = parse_fiscaldata_upcoming(json.loads(FD_UPCOMING.read_text()))
    kinds = {record.kind for record in records}
    assert kinds == {Kind.BILL, Kind.CMB, Kind.NOMINAL, Kind.TIPS, Kind.FRN}
    two = next(record for record in records if record.cusip == "91282CPV7")
    assert (two.tenor, two.offering_amt, two.auction_date) == ("2y", None, date(2026, 1, 26))
    assert not two.has_results


@pytest.mark.parametrize(
    "payload",
    [{"unexpected": True}, "text", [{"cusip": "912810TV0"}], [{**td_excerpt()[2], "bidToCoverRatio": "lots"}]],
)
def test_garbage_is_a_format_error_not_a_crash(payload):
    with pytest.raises(AuctionFormatError):
        parse_treasurydirect(payload)


def _td(upstream) -> TreasuryDirectSource:  # type: ignore[no-untyped-def]
    return TreasuryDirectSource(UpstreamClient("TreasuryDirect", upstream.base_url("treasurydirect"), max_attempts=1))


def test_treasurydirect_search_over_http_asks_for_json_by_auction_date(upstream):
    records = _td(upstream).search(date(2023, 11, 9), date(2023, 11, 14))
    assert [record.key for record in records] == [
        "912796ZN2/2023-11-14",
        "912797GN1/2023-11-13",
        "912810TV0/2023-11-09",
    ]
    request = upstream.requests[-1]
    assert request.path == "/securities/search"
    assert request.query == {
        "format": "json",
        "startDate": "11/09/2023",
        "endDate": "11/14/2023",
        "dateFieldName": "auctionDate",
    }


def test_the_shipped_treasurydirect_file_served_live_parses_to_the_same_records(upstream):
    raw = gzip.decompress(resources.files("market").joinpath("data", "auctions", TREASURYDIRECT_FILE).read_bytes())
    upstream.script("treasurydirect", "/securities/search", Scripted(raw))
    live = _td(upstream).search(date(1996, 1, 1), date(2024, 12, 31))
    assert len(live) == 250
    by_key = {record.key: record for record in shipped_records()}
    for record in live:
        merged = by_key[record.key]
        assert merged.high_yield == record.high_yield
        assert merged.bid_to_cover == record.bid_to_cover


def test_garbage_from_treasurydirect_is_an_upstream_error_in_plain_words(upstream):
    upstream.script("treasurydirect", "/securities/search", Scripted(b'{"error": "maintenance"}'))
    with pytest.raises(UpstreamError, match="TreasuryDirect is unavailable: it sent data I cannot read"):
        _td(upstream).search(date(2025, 4, 1), date(2025, 4, 10))
    upstream.script("treasurydirect", "/securities/search", Scripted(b"<html>down</html>", content_type="text/html"))
    with pytest.raises(UpstreamError, match="not JSON"):
        _td(upstream).search(date(2025, 4, 1), date(2025, 4, 10))


def test_fiscal_data_auctions_over_http_filter_by_auction_date(upstream):
    source = FiscalDataSource(UpstreamClient("Treasury Fiscal Data", upstream.base_url("fiscaldata"), max_attempts=1))
    records = source.auctions(date(2026, 1, 1), date(2026, 1, 31))
    assert len(records) == 25
    request = upstream.requests[-1]
    assert request.path == "/v1/accounting/od/auctions_query"
    assert request.query["filter"] == "auction_date:gte:2026-01-01,auction_date:lte:2026-01-31"
    assert request.query["page[size]"] == "10000"
    # Every column asked for exists in the real payload (an unknown field name is an HTTP 400).
    real_columns = set(json.loads(FD_BILLS.read_text())["data"][0])
    assert set(request.query["fields"].split(",")) <= real_columns


@pytest.mark.needs_shared
def test_the_build_script_reproduces_the_shipped_files(tmp_path):
    import scripts.build_auction_history as build

    build.build_fiscaldata(shared_file(f"auctions/{build.FD_RAW}"), tmp_path)
    build.build_treasurydirect(shared_file(f"auctions/{build.TD_RAW}"), tmp_path)
    build.build_median_yields(shared_file(f"auctions/{build.JQ_RAW}"), tmp_path)
    for name in (build.FD_OUT, build.TD_OUT, build.JQ_OUT):
        assert (tmp_path / name).read_bytes() == (build.OUT / name).read_bytes()


def test_an_announcement_without_a_cusip_reads_as_tba_on_the_calendar():
    row = {**without_results(td_excerpt())[2], "cusip": ""}
    with pytest.raises(AuctionFormatError):
        parse_treasurydirect([row])
    (record,) = parse_treasurydirect([row], calendar=True)
    assert record.cusip == "TBA" and record.tenor == "30y" and not record.has_results


def test_treasurydirect_tips_and_frn_markers_set_the_kind_and_keep_the_security_type():
    bond = td_excerpt()[2]
    tips = {**bond, "type": "TIPS", "tips": "Yes", "securityType": "Note", "securityTerm": "9-Year 8-Month"}
    frn = {**bond, "type": "FRN", "floatingRate": "Yes", "securityType": "Note", "securityTerm": "1-Year 10-Month"}
    tips_record, frn_record = parse_treasurydirect([tips, frn])
    assert (tips_record.kind, tips_record.security_type, tips_record.tenor) == (Kind.TIPS, "Note", "tips10y")
    assert (frn_record.kind, frn_record.security_type, frn_record.tenor) == (Kind.FRN, "Note", "frn")
