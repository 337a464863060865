"""Every spelling of missing is missing; zero is a value."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from market.missing import decimal_or_none, field, float_or_none, is_missing, text_or_none

FIXTURES = Path(__file__).parent / "fixtures" / "upstream"


@pytest.mark.parametrize("value", [None, "", "  ", "null", "NULL", ".", "N/A", "nan"])
def test_missing_spellings(value):
    assert is_missing(value)
    assert decimal_or_none(value) is None
    assert text_or_none(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Decimal(0)),
        ("0", Decimal(0)),
        ("0.000000", Decimal("0.000000")),
        ("0E-10", Decimal("0E-10")),
        ("5.290000", Decimal("5.29")),
        ("172849000000.000000", Decimal("172849000000")),
        (4.77, Decimal("4.77")),
    ],
)
def test_zero_and_real_numbers_survive(value, expected):
    assert not is_missing(value)
    assert decimal_or_none(value) == expected


def test_garbage_is_an_error_not_silently_missing():
    with pytest.raises(ValueError, match="not a number: 'abc'"):
        decimal_or_none("abc")


def test_fiscaldata_null_strings_and_zero_soma_in_a_real_payload():
    rows = json.loads((FIXTURES / "fiscaldata_auctions_query_bills_2026-01.json").read_text())["data"]
    first = rows[0]
    assert first["high_yield"] == "null"  # bills carry no high yield
    assert field(first, "high_yield") is None
    assert float_or_none(first["high_investment_rate"]) == 3.622
    assert field(first, "no_such_column") is None
    missing = {value for row in rows for value in row.values() if is_missing(value)}
    assert missing == {"null", "None"}  # "None": bills' int_payment_frequency
    zeros = [row["fima_noncomp_accepted"] for row in rows if row["fima_noncomp_accepted"] == "0"]
    assert zeros and all(decimal_or_none(zero) == 0 for zero in zeros)


def test_treasurydirect_empty_strings_in_a_real_payload():
    records = json.loads((FIXTURES / "treasurydirect_securities_search_excerpt.json").read_text())
    bills = [record for record in records if record["securityType"] == "Bill"]
    assert bills, "the excerpt holds bills"
    for bill in bills:
        assert field(bill, "highYield") is None
        assert decimal_or_none(bill["highDiscountRate"]) is not None


def test_fred_dot_is_missing_in_the_old_csv_format():
    lines = (FIXTURES / "fred_fredgraph_csv_old_format_excerpt.csv").read_text().splitlines()
    assert lines[0].split(",")[3] == "DGS3MO"
    values = [line.split(",")[3] for line in lines[1:]]
    assert "." in values
    assert [float_or_none(value) for value in values].count(None) == values.count(".")
