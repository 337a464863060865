"""Every par-curve layout Treasury and FRED have served parses through the live code, over real HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from market.http import UpstreamClient, UpstreamError
from market.sources.fred import FredSource, parse_fred_csv
from market.sources.treasury_rates import (
    CurveFormatError,
    TreasuryRatesSource,
    parse_par_yield_csv,
    parse_par_yield_xml,
)
from tests.harness.upstream import FIXTURES, RecordedUpstream, Scripted

YEAR_PATH = "/daily-treasury-rates.csv/{year}/all"


def _source(upstream: RecordedUpstream) -> TreasuryRatesSource:
    return TreasuryRatesSource(UpstreamClient("Treasury par yield curve", upstream.base_url("treasury_rates")))


def _by_day(rows):  # type: ignore[no-untyped-def]
    return {row.day: row.yields for row in rows}


def test_the_2021_layout_has_no_four_month_column(upstream: RecordedUpstream):
    upstream.serve_file("treasury_rates", YEAR_PATH.format(year=2021), FIXTURES / "daily-treasury-rates-2021.csv")

    rows = _source(upstream).year(2021)

    assert len(rows) == 251
    assert rows[0].day == date(2021, 1, 4) and rows[-1].day == date(2021, 12, 31)  # oldest first
    assert "4m" not in rows[-1].yields
    assert rows[-1].yields["30y"] == Decimal("1.90")
    request = upstream.requests[-1]
    assert request.query["type"] == "daily_treasury_yield_curve"


def test_the_2022_layout_has_a_four_month_column_blank_before_the_first_17_week_bill(upstream: RecordedUpstream):
    upstream.serve_file("treasury_rates", YEAR_PATH.format(year=2022), FIXTURES / "daily-treasury-rates-2022.csv")

    days = _by_day(_source(upstream).year(2022))

    assert days[date(2022, 10, 18)]["4m"] is None
    assert days[date(2022, 10, 19)]["4m"] is not None
    assert days[date(2022, 12, 30)]["4m"] == Decimal("4.69")


def test_the_2025_layout_adds_the_six_week_bill_from_2025_02_18(upstream: RecordedUpstream):
    upstream.serve_file(
        "treasury_rates", YEAR_PATH.format(year=2025), FIXTURES / "daily-treasury-rates-2025-to-0926.csv"
    )

    days = _by_day(_source(upstream).year(2025))

    assert days[date(2025, 2, 14)]["1.5m"] is None
    assert days[date(2025, 2, 18)]["1.5m"] is not None
    assert days[date(2025, 4, 11)]["30y"] == Decimal("4.85")
    assert days[date(2025, 4, 9)]["10y"] == Decimal("4.34")


def test_the_xml_feed_is_read_when_the_csv_is_not_there(upstream: RecordedUpstream):
    upstream.fail_next("treasury_rates", 404)
    upstream.serve_file(
        "treasury_rates", "/pages/xml", FIXTURES / "treasury_par_yield_curve_xml_properties_2022-02-01.xml"
    )

    rows = _source(upstream).year(2022)

    assert [row.day for row in rows] == [date(2022, 2, 1)]
    assert rows[0].yields["10y"] == Decimal("1.81")
    assert rows[0].yields["4m"] is None  # element omitted = missing


def test_an_xml_feed_cut_off_mid_way_is_refused():
    text = (FIXTURES / "treasury_par_yield_xmlview_202503_excerpt.xml").read_text()

    with pytest.raises(CurveFormatError, match="cut short"):
        parse_par_yield_xml(text)


def test_xml_null_markers_and_empty_elements_are_missing_and_zero_is_kept():
    text = (
        '<m:properties><d:NEW_DATE m:type="Edm.DateTime">2020-04-01T00:00:00</d:NEW_DATE>'
        '<d:BC_1MONTH m:type="Edm.Double">0</d:BC_1MONTH><d:BC_2MONTH m:null="true" />'
        "<d:BC_3MONTH></d:BC_3MONTH><d:BC_10YEAR>0.62</d:BC_10YEAR></m:properties>"
    )

    row = parse_par_yield_xml(text)[0]

    assert row.yields["1m"] == Decimal("0")
    assert row.yields["2m"] is None and row.yields["3m"] is None
    assert row.yields["10y"] == Decimal("0.62")


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Service temporarily unavailable</body></html>",
        b"",
        b'Date,"1 Mo","2 Mo"\n',
        b'Date,"1 Mo","10 Yr"\n04/11/2025,4.37\n',
        b'Date,"Foo","Bar"\n04/11/2025,1,2\n',
        b'Date,"10 Yr"\n04/11/2025,null\n13/45/2025,4.40\n',
        b'Date,"10 Yr"\n04/11/2025,448\n',
    ],
    ids=["html page", "empty", "header only", "cut short", "changed columns", "bad date", "not a percent"],
)
def test_garbage_is_a_plain_error_naming_the_source(upstream: RecordedUpstream, body: bytes):
    upstream.script("treasury_rates", YEAR_PATH.format(year=2025), Scripted(body, 200, "text/csv"))

    with pytest.raises(UpstreamError) as raised:
        _source(upstream).year(2025)

    assert str(raised.value).startswith("Treasury par yield curve is unavailable:")
    assert "Traceback" not in str(raised.value)


def test_every_spelling_of_missing_is_missing_and_zero_is_a_yield():
    rows = parse_par_yield_csv('Date,"1 Mo","2 Mo","3 Mo","6 Mo","1 Yr"\n04/01/2020,0,,null,.,N/A\n')

    assert rows[0].yields == {"1m": Decimal("0"), "2m": None, "3m": None, "6m": None, "1y": None}


def test_both_fred_csv_layouts_parse_through_the_same_code():
    new = parse_fred_csv((FIXTURES / "fred_fredgraph_csv_new_format_excerpt.csv").read_text())
    old = parse_fred_csv((FIXTURES / "fred_fredgraph_csv_old_format_excerpt.csv").read_text())

    assert new["DGS10"][0].day == date(2000, 1, 3) and new["DGS10"][0].value == Decimal("6.58")
    assert new["DGS1MO"][0].value is None  # empty cell
    assert [o.value for o in new["DGS30"] if o.day == date(2000, 1, 17)] == [None]  # holiday row
    assert old["DGS3MO"][0].value is None  # "."
    assert old["DGS10"][0].value == Decimal("9.0295652173913043")


def test_fred_api_observations_come_over_http_with_the_key(upstream: RecordedUpstream):
    fred = FredSource(UpstreamClient("FRED", upstream.base_url("fred")), api_key="abcdefabcdefabcdefabcdefabcdefab")

    observations = fred.observations("SOFR", start=date(2024, 6, 1))

    assert observations[0].day == date(2024, 6, 3) and observations[0].value == Decimal("5.35")
    assert upstream.requests[-1].query["file_type"] == "json"


def test_fred_without_a_key_says_so():
    fred = FredSource(UpstreamClient("FRED", "http://127.0.0.1:9"), api_key=None)

    with pytest.raises(UpstreamError, match="FRED_API_KEY is not set"):
        fred.observations("DGS10")
