"""Each source's parser on recorded payloads and on the shipped history (the same code reads both)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from market.funding.book import SHIPPED, FundingBook
from market.funding.gauge import sofr_minus_reserves, srf_take_up
from market.http import UpstreamClient, UpstreamError
from market.sources.cftc import CftcSource, parse_tff
from market.sources.desk_feed import DeskFeedSource, parse_desk_feed, parse_desk_feed_json
from market.sources.fred import parse_fred_csv
from market.sources.nyfed import NyFedSource, parse_reference_rates, parse_repo_operations
from tests.harness import synthetic_desk_feed
from tests.harness.funding import DESK_FEED_FILES, REAL_DESK_FEED, book
from tests.harness.shared_data import shared_file
from tests.harness.upstream import FIXTURES, Scripted


def _fixture(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())


# ---- NY Fed --------------------------------------------------------------------------------------


def test_recorded_sofr_search_parses_with_percentiles_and_volume():
    fixings = parse_reference_rates(_fixture("nyfed_sofr_search_2024-06.json"))

    june3 = next(f for f in fixings if f.day == date(2024, 6, 3))
    assert (june3.kind, june3.rate, june3.p1, june3.p99, june3.volume_bn) == (
        "SOFR",
        Decimal("5.35"),
        Decimal("5.29"),
        Decimal("5.44"),
        Decimal("1912"),
    )
    assert [f.day for f in fixings] == sorted(f.day for f in fixings)  # newest-first upstream, oldest-first here


def test_recorded_effr_search_keeps_the_target_range():
    fixings = parse_reference_rates(_fixture("nyfed_effr_search_2023H1.json"))
    assert {f.kind for f in fixings} == {"EFFR"}
    assert all(f.target_from is not None and f.target_to is not None for f in fixings)


def test_shipped_sofr_pins_the_desk_facts(tmp_path):
    funding = book(tmp_path)
    sofr = funding.rates("SOFR")

    june3 = sofr.loc["2024-06-03"]
    assert (june3["rate"], june3["p1"], june3["p25"], june3["p75"], june3["p99"], june3["volume_bn"]) == (
        5.35,
        5.29,
        5.32,
        5.40,
        5.44,
        1912,
    )
    assert sofr.loc["2024-06-04", "rate"] == 5.33
    assert (sofr.loc["2019-09-17", "rate"], sofr.loc["2019-09-17", "p99"]) == (5.25, 9.00)
    april = sofr.loc["2025-04-03":"2025-04-11", "rate"].tolist()
    assert april == [4.39, 4.35, 4.33, 4.40, 4.42, 4.37, 4.33]
    assert sofr.loc["2025-04-09", "p99"] == 4.58


def test_sofr_minus_iorb_in_the_april_2025_selloff_stayed_between_minus_7_and_plus_2_bp(tmp_path):
    spread = sofr_minus_reserves(book(tmp_path)).loc["2025-04-03":"2025-04-11"]
    assert spread.round(1).tolist() == [-1.0, -5.0, -7.0, 0.0, 2.0, -3.0, -7.0]
    assert spread.min() >= -7 and spread.max() <= 2


def test_sofr_minus_ioer_before_iorb_existed(tmp_path):
    spread = sofr_minus_reserves(book(tmp_path))
    # 2019-09-17: SOFR 5.25 against IOER 2.10.
    assert round(spread.loc["2019-09-17"]) == 315
    assert spread.index.min().date() == date(2019, 5, 20)  # no IOER before 2019-05-18: no spread, not zero


def test_repo_operations_sum_the_days_operations(tmp_path):
    funding = book(tmp_path)
    take_up = funding.repo_take_up()

    assert take_up.loc["2019-09-17"] == pytest.approx(53.15)
    assert take_up.loc["2019-09-18"] == pytest.approx(75.0)
    assert take_up.loc["2025-10-31"] == pytest.approx(50.35)  # 20.35 morning + 30.00 afternoon
    assert take_up.loc["2025-11-03"] == pytest.approx(22.0)
    assert round(take_up.loc["2025-06-30"], 2) == pytest.approx(11.08, abs=0.005)  # $11.075bn, a quarter end
    srf = srf_take_up(funding)
    assert srf.idxmax().date() == date(2025, 10, 31)
    assert srf.loc["2025-04-03":"2025-04-11"].max() <= 0.1


def test_repo_operation_amounts_may_be_numbers_or_strings_and_missing_is_not_zero():
    payload = {
        "repo": {
            "operations": [
                {"operationId": "RP 1", "operationDate": "2025-10-31", "operationType": "Repo", "totalAmtAccepted": 1},
                {
                    "operationId": "RP 2",
                    "operationDate": "2025-10-31",
                    "operationType": "Repo",
                    "totalAmtAccepted": "20350000000.000000",
                },
                {"operationId": "RP 3", "operationDate": "2025-10-31", "operationType": "Reverse Repo"},
                {
                    "operationId": "RP 4",
                    "operationDate": "2025-10-31",
                    "operationType": "Repo",
                    "totalAmtAccepted": "0",
                },
            ]
        }
    }
    operations = parse_repo_operations(payload)
    assert [op.accepted for op in operations] == [Decimal(1), Decimal("20350000000.000000"), None, Decimal(0)]
    assert [op.is_repo for op in operations] == [True, True, False, True]


def test_nyfed_garbage_is_a_plain_upstream_error(upstream):
    upstream.script("nyfed", "/rates/secured/sofr/search.json", Scripted(b'{"refRates": [{"type": "SOFR"}]}'))
    source = NyFedSource(UpstreamClient("NY Fed Markets", upstream.base_url("nyfed")))
    with pytest.raises(UpstreamError) as caught:
        source.reference_rates("SOFR", date(2024, 6, 1), date(2024, 6, 6))
    assert str(caught.value) == "NY Fed Markets is unavailable: it sent rates I cannot read (a row has no date)"


def test_nyfed_source_reads_the_recorded_sofr_over_http(upstream):
    source = NyFedSource(UpstreamClient("NY Fed Markets", upstream.base_url("nyfed")))
    fixings = source.reference_rates("SOFR", date(2024, 6, 1), date(2024, 6, 6))
    assert [f.rate for f in fixings][-1] == Decimal("5.33")
    assert upstream.requests[-1].query == {"startDate": "2024-06-01", "endDate": "2024-06-06"}


# ---- FRED policy rates ---------------------------------------------------------------------------


def test_shipped_policy_rates_read_with_freds_csv_parser():
    series = parse_fred_csv((SHIPPED / "fred_policy_rates.csv").read_text())
    iorb = {obs.day: obs.value for obs in series["IORB"]}
    ioer = {obs.day: obs.value for obs in series["IOER"]}
    assert iorb[date(2025, 4, 9)] == Decimal("4.4")
    assert iorb.get(date(2021, 7, 28)) is None and ioer[date(2021, 7, 28)] == Decimal("0.15")
    assert {obs.day: obs.value for obs in series["DFEDTARU"]}[date(2024, 6, 3)] == Decimal("5.5")


# ---- CFTC ------------------------------------------------------------------------------------------


def test_recorded_tff_rows_match_on_the_contract_code_not_the_name():
    positions = parse_tff(_fixture("cftc_socrata_tff_ust10y_subset_fixture.json"))
    assert [(p.code, p.report_date, p.lev_net) for p in positions] == [("043602", date(2026, 5, 19), -1_194_445)]


def test_the_aud_record_is_not_a_treasury_contract_but_parses_by_code():
    payload = _fixture("cftc_socrata_tff_futonly_record_AUD_2025-08-05.json")
    rows = payload if isinstance(payload, list) else [payload]
    assert parse_tff(rows) == []
    code = rows[0]["cftc_contract_market_code"]
    (aud,) = parse_tff(rows, frozenset({code}))
    assert aud.open_interest == 163_900


def test_shipped_positions_pin_leveraged_funds_10y_net(tmp_path):
    net = book(tmp_path).leveraged_net()["043602"]
    assert net.loc["2025-04-01"] == -1_640_413
    assert net.loc["2025-04-08"] == -1_873_687
    assert net.loc["2025-04-15"] == -1_810_877
    assert net.min() == -2_534_616 and net.idxmin().date() == date(2025, 8, 26)


def test_shipped_positions_span_the_2022_renaming_under_one_code(tmp_path):
    positions = [p for p in book(tmp_path).positions() if p.code == "043602"]
    names = {p.market_name.split(" - ")[0] for p in positions if p.market_name}
    assert {"10-YEAR U.S. TREASURY NOTES", "UST 10Y NOTE"} <= names


def test_cftc_source_asks_by_code_and_reads_the_recorded_row(upstream):
    source = CftcSource(UpstreamClient("CFTC", upstream.base_url("cftc")))
    (row,) = source.tff(date(2026, 5, 13))
    assert row.lev_long == 625_134 and row.lev_short == 1_819_579
    where = upstream.requests[-1].query["$where"]
    assert "cftc_contract_market_code in('042601','044601','043602','043607','020601','020604')" in where


def test_cftc_garbage_is_a_plain_upstream_error(upstream):
    upstream.script("cftc", "/gpe5-46if.json", Scripted(b'{"message": "query error"}'))
    source = CftcSource(UpstreamClient("CFTC", upstream.base_url("cftc")))
    with pytest.raises(UpstreamError, match="CFTC is unavailable: it sent positions I cannot read"):
        source.tff(date(2026, 5, 13))


# ---- desk feed -------------------------------------------------------------------------------------


def test_desk_feed_reads_the_terminal_exports_by_their_column_names():
    """The synthetic feed, in the terminal's layout: `spread_30y_bp`, `TY1_FUT_IMPLIED_REPO_RT`, `TY1_PX_Last`, …"""
    spreads = parse_desk_feed(DESK_FEED_FILES[0].read_text())
    repo = parse_desk_feed(DESK_FEED_FILES[1].read_text())
    by_day = {row.day: row.values for row in spreads}
    # Only the spreads are read: swap_source, swap_10y and ust_10y_cmt are not columns the feed knows.
    assert by_day[date(2025, 4, 2)] == {"swap_spread_10y_bp": -50.0, "swap_spread_30y_bp": -85.0}
    assert by_day[date(2025, 4, 9)] == {"swap_spread_10y_bp": -60.0, "swap_spread_30y_bp": -95.0}
    repo_by_day = {row.day: row.values for row in repo}
    assert repo_by_day[date(2025, 4, 9)] == {
        **{"ty_implied_repo_pct": 4.20, "fv_implied_repo_pct": 4.15, "tu_implied_repo_pct": 4.10},
        **{"us_implied_repo_pct": 4.00, "wn_implied_repo_pct": 3.90},
        **{"ty_price": 108.90, "fv_price": 105.40, "tu_price": 102.30, "us_price": 111.50, "wn_price": 114.00},
    }
    # A blank cell is missing, never 0; the row's other values are kept.
    assert "us_implied_repo_pct" not in repo_by_day[date(2025, 3, 31)]
    assert repo_by_day[date(2025, 3, 31)]["us_price"] == 114.00
    assert [row.day for row in spreads] == [row.day for row in repo]
    assert (spreads[0].day, spreads[-1].day, len(spreads)) == (date(2025, 1, 2), date(2025, 4, 30), 82)


def test_the_synthetic_desk_feed_is_what_its_documented_script_writes(tmp_path):
    synthetic_desk_feed.write(tmp_path)
    for path in DESK_FEED_FILES:
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), f"{path.name}: run the script again"
    readme = (DESK_FEED_FILES[0].parent / "README.md").read_text()
    assert "synthetic" in readme.lower() and "not market data" in readme.lower()


@pytest.mark.needs_shared
def test_desk_feed_reads_the_desks_real_exports_by_their_column_names():
    spreads = parse_desk_feed(shared_file(REAL_DESK_FEED[0]).read_text())
    repo = parse_desk_feed(shared_file(REAL_DESK_FEED[1]).read_text())
    by_day = {row.day: row.values for row in spreads}
    assert by_day[date(2025, 4, 1)]["swap_spread_30y_bp"] == pytest.approx(-82.5, abs=0.05)
    assert by_day[date(2025, 4, 8)]["swap_spread_30y_bp"] == pytest.approx(-97.4, abs=0.05)
    assert by_day[date(2025, 4, 1)]["swap_spread_10y_bp"] == pytest.approx(-48.9, abs=0.05)
    assert by_day[date(2025, 4, 8)]["swap_spread_10y_bp"] == pytest.approx(-62.6, abs=0.05)
    repo_by_day = {row.day: row.values for row in repo}
    assert round(repo_by_day[date(2025, 4, 7)]["ty_implied_repo_pct"], 2) == 4.40
    assert round(repo_by_day[date(2025, 4, 9)]["ty_implied_repo_pct"], 2) == 4.25
    assert "ty_price" in repo_by_day[date(2025, 4, 9)]
    assert len(spreads) == len(repo) == 128


def test_desk_feed_json_and_missing_cells():
    rows = parse_desk_feed_json({"rows": [{"date": "2025-04-08", "swap_spread_30y_bp": "", "ty_price": 108.5}]})
    assert rows[0].values == {"ty_price": 108.5}


def test_desk_feed_served_over_http_and_garbage_refused(upstream, tmp_path):
    upstream.serve_file("desk_feed", "/spreads.csv", DESK_FEED_FILES[0])
    url = f"{upstream.base_url('desk_feed')}/spreads.csv"
    source = DeskFeedSource(url, UpstreamClient("desk feed", upstream.base_url("desk_feed")))
    rows = source.rows()
    assert (len(rows), rows[0].day, rows[-1].day) == (82, date(2025, 1, 2), date(2025, 4, 30))
    assert {row.day: row.values for row in rows}[date(2025, 4, 9)]["swap_spread_30y_bp"] == -95.0
    assert [request.path for request in upstream.requests_to("desk_feed")] == ["/spreads.csv"]

    garbage = tmp_path / "feed.csv"
    garbage.write_text("when,what\nyesterday,1\n")
    with pytest.raises(UpstreamError) as caught:
        DeskFeedSource(str(garbage)).rows()
    assert "is not a feed I can read (it has no `date` column)" in str(caught.value)
    with pytest.raises(UpstreamError, match="cannot be read"):
        DeskFeedSource(str(Path(tmp_path) / "absent.csv")).rows()


def test_shipped_files_are_in_the_upstream_layouts_and_desk_examples_are_not_shipped():
    shipped = sorted(path.name for path in SHIPPED.iterdir())
    assert shipped == [
        "PROVENANCE.md",
        "cftc_tff_treasury_futures.json.gz",
        "fred_policy_rates.csv",
        "gauge_history.csv.gz",
        "nyfed_primary_dealers.json.gz",
        "nyfed_reference_rates.json.gz",
        "nyfed_repo_operations.json.gz",
        "ofr_repo_rates.json.gz",
    ]
    assert isinstance(FundingBook, type)
