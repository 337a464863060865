"""The NY Fed primary dealer API as deskbot reads it: payloads in its layouts, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from market.dealers.buckets import KEYS
from market.http import UpstreamClient, UpstreamError
from market.sources.nyfed_dealers import NyFedDealerSource, parse_dealer_series
from tests.harness.dealers_repo import dealer_payload, dealer_rows
from tests.harness.shared_data import shared_file
from tests.harness.upstream import Scripted

LABEL = "NY Fed Markets (primary dealer statistics)"
LATEST_CSV = "funding/primary_dealers/nyfed_pd_latest_SBN2022_asof_2023-11-01__harrymmurphy.csv"
CATALOGUE = "funding/primary_dealers/nyfed_pd_list_timeseries_SBN2024__Jaggerxtrm.json"


def source(upstream) -> NyFedDealerSource:
    return NyFedDealerSource(UpstreamClient(LABEL, upstream.base_url("nyfed_pd"), backoff_seconds=0))


def test_one_series_comes_from_the_get_endpoint_oldest_first(upstream):
    upstream.script("nyfed_pd", "/pd/get/PDPOSGST-TOT.json", Scripted(dealer_payload("PDPOSGST-TOT")))

    values = source(upstream).series("PDPOSGST-TOT")

    by_week = {value.as_of: value.value for value in values}
    assert by_week[date(2025, 4, 9)] == Decimal("406950")
    assert by_week[date(2025, 4, 2)] == Decimal("408663")
    assert by_week[date(2026, 3, 25)] == Decimal("557087")  # the highest in the data
    assert [value.as_of for value in values] == sorted(by_week)
    assert {value.as_of.weekday() for value in values} == {2}  # as-of Wednesdays
    assert [request.path for request in upstream.requests_to("nyfed_pd")] == ["/pd/get/PDPOSGST-TOT.json"]


def test_rows_without_a_keyid_take_the_one_asked_for(upstream):
    rows = [{"asofdate": row["asofdate"], "value": row["value"]} for row in dealer_rows("PDPOSGS-B")]
    upstream.script("nyfed_pd", "/pd/get/PDPOSGS-B.json", Scripted(json.dumps({"pd": {"timeseries": rows}}).encode()))

    values = source(upstream).series("PDPOSGS-B")

    assert {value.keyid for value in values} == {"PDPOSGS-B"}
    assert next(v.value for v in values if v.as_of == date(2025, 4, 9)) == Decimal("65968")


def test_every_spelling_of_missing_is_missing_the_suppressed_star_too_and_zero_is_a_value(upstream):
    spellings = {"2025-03-05": "", "2025-03-12": "null", "2025-03-19": ".", "2025-03-26": "*", "2025-04-02": " * "}
    rows = [{"asofdate": day, "keyid": "PDSORA-UTSETTOT", "value": text} for day, text in spellings.items()]
    rows += [
        {"asofdate": "2025-04-09", "keyid": "PDSORA-UTSETTOT"},  # no value at all
        {"asofdate": "2025-04-16", "keyid": "PDSORA-UTSETTOT", "value": None},
        {"asofdate": "2025-04-23", "keyid": "PDSORA-UTSETTOT", "value": "0"},
        {"asofdate": "2025-04-30", "keyid": "PDSORA-UTSETTOT", "value": "2829767"},
    ]
    body = json.dumps({"pd": {"timeseries": rows}}).encode()
    upstream.script("nyfed_pd", "/pd/get/PDSORA-UTSETTOT.json", Scripted(body))

    values = {value.as_of.isoformat(): value.value for value in source(upstream).series("PDSORA-UTSETTOT")}

    assert [day for day, value in values.items() if value is None] == [*spellings, "2025-04-09", "2025-04-16"]
    assert values["2025-04-23"] == Decimal(0)
    assert values["2025-04-30"] == Decimal("2829767")


def test_the_latest_json_is_the_same_layout_with_every_key(upstream):
    week = [row for key in KEYS for row in dealer_rows(key, date(2025, 4, 9)) if row["asofdate"] == "2025-04-09"]
    upstream.script("nyfed_pd", "/pd/latest/SBN2024.json", Scripted(json.dumps({"pd": {"timeseries": week}}).encode()))

    values = {value.keyid: value.value for value in source(upstream).latest()}

    assert set(values) == set(KEYS)
    assert values["PDPOSGSC-G7L11"] == Decimal("36239")
    assert values["PDPOSGSC-G21"] == Decimal("45827")
    assert values["PDSORA-UTSETTOT"] == Decimal("2829767")


@pytest.mark.needs_shared
def test_the_real_latest_csv_of_the_week_of_2023_11_01(upstream):
    path = shared_file(LATEST_CSV)
    upstream.serve_file("nyfed_pd", "/pd/latest/SBN2022.csv", path)

    values = source(upstream).latest_csv("SBN2022")

    by_key = {value.keyid: value.value for value in values}
    assert len(values) == len(by_key) == 1485
    assert {value.as_of for value in values if value.keyid in KEYS} == {date(2023, 11, 1)}
    assert {value.as_of for value in values if value.keyid.startswith("PDME")} == {date(2023, 10, 31)}  # monthly
    assert by_key["PDPOSGST-TOT"] == Decimal("211223")  # the 2023 vintage; the NY Fed later revised it to 211,993
    assert by_key["PDPOSGS-B"] == Decimal("57129")
    assert by_key["PDPOSTIPS-G11"] == Decimal("-27")
    assert by_key["PDSIRRA-UTSETTOT"] is None  # "*": withheld
    stars = path.read_text().count('"*"')
    assert sum(value is None for value in by_key.values()) == stars == 185
    # Against the shipped 2026 vintage: every position key the same but TIPS 2-6y (+770), hence the total.
    shipped = {
        key: Decimal(row["value"]) for key in KEYS for row in dealer_rows(key) if row["asofdate"] == "2023-11-01"
    }
    revised = {key for key in shipped if key.startswith("PDPOS") and shipped[key] != by_key[key]}
    assert revised == {"PDPOSTIPS-G2", "PDPOSGST-TOT"}
    assert shipped["PDPOSTIPS-G2"] - by_key["PDPOSTIPS-G2"] == 770


@pytest.mark.needs_shared
def test_the_real_catalogue_lists_every_key_the_bot_reads(upstream):
    upstream.serve_file("nyfed_pd", "/pd/list/timeseries.json", shared_file(CATALOGUE))

    catalogue = source(upstream).catalogue()

    assert len(catalogue) == 1539
    assert {entry.seriesbreak for entry in catalogue} == {"SBN2024"}
    described = {entry.keyid: entry.description for entry in catalogue}
    assert set(KEYS) <= set(described)
    assert described["PDSORA-UTSETTOT"] == "Total - Repurchase Agreements: U.S. Treasury securities (excluding TIPS)"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (
            b'{"refRates": []}',
            "application/json",
            "it sent a series I cannot read (the JSON has no pd.timeseries list)",
        ),
        (
            b'{"pd": {"timeseries": [{"asofdate": "2025-04-09", "keyid": "PDPOSGS-B", "value": "12a"}]}}',
            "application/json",
            "it sent a series I cannot read (not a number: '12a')",
        ),
        (b"<html>maintenance</html>", "text/html", "it sent something that is not JSON (an HTML page)"),
    ],
)
def test_a_payload_that_is_not_the_layout_is_a_plain_upstream_error(upstream, body, content_type, reason):
    upstream.script("nyfed_pd", "/pd/get/PDPOSGS-B.json", Scripted(body, 200, content_type))

    with pytest.raises(UpstreamError) as raised:
        source(upstream).series("PDPOSGS-B")

    assert str(raised.value) == f"{LABEL} is unavailable: {reason}"


def test_the_shipped_file_reads_through_the_live_parser():
    from market.dealers.book import SHIPPED, SHIPPED_FILE
    from tests.harness.dealers_repo import gz_json

    values = parse_dealer_series(gz_json(SHIPPED / SHIPPED_FILE))

    assert {value.keyid for value in values} == set(KEYS)
    assert all(value.value is not None for value in values)  # blanks are left out, never written as 0
