"""`/funding` and `/basis` as a user sees them: on the shipped data, with live sources newer
than it (served by the recorded-upstream server), with sources down, and from the command line."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from bot.wiring import wire
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import Services
from market.funding.book import FundingBook
from market.http import UpstreamClient
from market.sources.cftc import CftcSource
from market.sources.fred import FredSource
from market.sources.nyfed import NyFedSource
from tests.harness.bot_process import clean_environment
from tests.harness.funding import (
    DESK_FEED_FILES,
    shipped_fred_payload,
    shipped_operations_payload,
    shipped_until,
    sqlite_store,
)
from tests.harness.upstream import Scripted


def ctx_at(day: date, hour: int = 13) -> CommandContext:
    return CommandContext(
        now=datetime(day.year, day.month, day.day, hour, 5, tzinfo=DESK_TZ),
        user_id="U0TRADER",
        short_commands={"/funding": "funding", "/basis": "basis"},
    )


def ask(funding: FundingBook, text: str, day: date = date(2025, 12, 5)):
    registry = build_registry(Services(store=funding.store, funding=funding))
    return answer(text, ctx_at(day), registry)


@pytest.fixture
def funding(tmp_path) -> FundingBook:
    return FundingBook(sqlite_store(tmp_path))


# ---- /funding on the shipped history ----------------------------------------------------------------


def test_funding_on_june_3_2024_shows_sofr_its_percentiles_and_volume(funding):
    reply = ask(funding, "/funding 2024-06-03")

    assert reply.outcome is Outcome.OK
    lines = reply.text.splitlines()
    assert lines[0] == "Funding — Mon 03 Jun 2024"
    assert lines[1] == "SOFR 5.35%, 5 bp below IORB 5.40%; SRF take-up $0.0bn, ON RRP $387.1bn."
    assert "• *SOFR* 5.35% · 1st 5.29 · 25th 5.32 · 75th 5.40 · 99th 5.44 · volume $1,912bn" in reply.text
    assert "• *Fed funds range* 5.25–5.50%: SOFR is 10 bp above the bottom and 15 bp below the top" in reply.text
    assert "• *BGCR* not published in the data for this day" in reply.text  # BGCR starts 2024-10-21
    assert reply.blocks[-1]["elements"][0]["text"].startswith("Data for 2024-06-03 · NY Fed Markets")
    (chart,) = reply.charts
    assert chart.bands[0].label == "SOFR 1st–99th pct"
    assert [s.label for s in chart.series] == ["SOFR", "IORB", "SRF take-up (right axis)"]
    assert chart.right_y_label == "SRF take-up ($bn)"


def test_funding_on_september_17_2019_shows_the_first_repo_operation_against_ioer(funding):
    reply = ask(funding, "/funding 2019-09-17")
    assert reply.text.splitlines()[1] == "SOFR 5.25%, 315 bp above IOER 2.10%; Fed repo operations $53.15bn."
    assert "99th 9.00" in reply.text
    assert "• *ON RRP*: no result in the data for this day (the file starts 2022-01-03)" in reply.text


def test_funding_on_october_31_2025_shows_the_largest_srf_day(funding):
    reply = ask(funding, "funding 2025-10-31")
    assert "SRF take-up $50.35bn" in reply.text.splitlines()[1]
    assert "• *SRF take-up* $50.35bn (sum of the day's repo operations; past-year high $50.35bn)" in reply.text


def test_funding_in_april_2025_sofr_stayed_near_iorb(funding):
    for day, expected in [("2025-04-07", "7 bp below IORB"), ("2025-04-09", "2 bp above IORB")]:
        assert expected in ask(funding, f"/funding {day}").text.splitlines()[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/funding 2017-06-01", "SOFR starts on 2018-04-02; ask for a date from then on."),
        ("/funding 2025-02-30", "`2025-02-30` is not a valid date: write it as YYYY-MM-DD"),
        ("/funding 2026-01-05", "I have no SOFR for 2026-01-05: my data ends on 2025-12-02."),
        ("/funding next week", "`funding` takes one optional date (YYYY-MM-DD)."),
    ],
)
def test_funding_dates_outside_the_data_get_a_short_usage_message(funding, text, message):
    reply = ask(funding, text, date(2026, 1, 6))
    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "Usage: `/deskbot funding [YYYY-MM-DD]`" in reply.text


# ---- /basis -----------------------------------------------------------------------------------------


def test_basis_on_april_9_2025_without_yields_or_desk_feed_says_what_is_missing(funding):
    reply = ask(funding, "/basis 2025-04-09")
    lines = reply.text.splitlines()

    assert lines[0] == "Basis-trade stress — Wed 09 Apr 2025"
    assert lines[1] == (
        ":large_yellow_circle: Stress 76/100. No mechanism stands out: no group has two components at or above "
        "the 90th percentile. Swap spreads and implied repo are not configured (desk feed): a basis unwind cannot "
        "be told from a rates move."
    )
    # Without a yields history the total cannot be DV01-weighted, and says so.
    assert lines[2].startswith(
        "Driven by: SOFR − IORB (91.8th pct), Leveraged funds' net in contracts, not DV01-weighted (99.9th pct)"
    )
    assert "rates: not available (no yields history wired)" in reply.text
    assert "Weights: funding 25%, dealer balance sheets 15%, positioning 15%, rates 20%, desk feed 25%" in reply.text
    assert "used here funding 45%, dealer balance sheets 27%, positioning 27%" in reply.text
    assert (
        "    :large_green_circle: SRF take-up $0.0bn (d/d −$0.1bn) — 0th pct since 2021-07-29; "
        "take-up under $0.5bn (test operations) scores as calm" in lines
    )
    assert "The week's TY move needs the desk feed's TY price." in reply.text


def test_basis_calls_the_calm_day_calm_enough(funding):
    reply = ask(funding, "/basis 2024-11-15")
    assert "No mechanism stands out" in reply.text.splitlines()[1]


def test_basis_positioning_shows_the_per_contract_table(funding):
    reply = ask(funding, "/basis positioning 2025-04-11")
    lines = reply.text.splitlines()
    assert lines[0] == "Leveraged funds in Treasury futures — report of Tue 08 Apr 2025"
    assert (
        lines[1]
        == "Leveraged funds are net short 8,250,377 contracts (not DV01-weighted) across the 6 Treasury futures "
        "(−138,197 on the week)."
    )
    assert "The total adds contracts unweighted: no yields history is wired to weigh them by DV01." in reply.text
    assert "`10y (TY)               −1,873,687       −233,274    −1.3   97.7th`" in lines
    assert reply.charts[0].filename == "positioning-2025-04-08.png"


def test_basis_calc_answers_in_32nds_against_sofr(funding):
    reply = ask(funding, "/basis calc TYM5 110-16+ 4.25 2032-11-15 99-08", date(2025, 4, 9))
    lines = reply.text.splitlines()
    assert lines[0] == "Basis: TY Jun 2025 vs 4.25% 2032-11-15"
    # Asked at 13:05 on 9 April: the SOFR published that morning is the fixing of 8 April.
    assert lines[1] == "Implied repo 4.31%, −8.6 bp vs SOFR 4.40%; net basis +0.6/32."
    assert "• Gross basis *−0.8/32*" in lines
    assert "• Carry to 2025-06-30 (81 days at SOFR 4.40%, act/360): −1.5/32" in lines
    assert "• Conversion factor *0.8983* (CME formula, 10-Year Note, delivery month Jun 2025)" in lines
    assert "Settlement 2025-04-10 (next business day), delivery 2025-06-30" in reply.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/basis calc TY 110-16+ 4.25 2032-11-15", "`calc` needs 5 values"),
        ("/basis calc TY 110-99 4.25 2032-11-15 99-08", "`110-99`: the 32nds must be 00-31"),
        ("/basis calc TY 110-16 4.25 2032-02-30 99-08", "`2032-02-30` is not a valid maturity date"),
        ("/basis calc XX 110-16 4.25 2032-11-15 99-08", "`XX` is not a contract I know"),
        ("/basis calc TY 110-16 four 2032-11-15 99-08", "The coupon must be a number"),
        ("/basis calc TY 110-16 4.25 2032-11-15 99-08 delivery=2025-13-01", "not a valid delivery date"),
        ("/basis 2010-01-04", "SOFR starts on 2018-04-02"),
    ],
)
def test_basis_bad_input_gets_a_short_usage_message(funding, text, message):
    reply = ask(funding, text, date(2025, 4, 9))
    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "Traceback" not in reply.text


# ---- live sources newer than the shipped history ---------------------------------------------------


def test_sofr_newer_than_the_shipped_history_is_fetched_stored_and_answered(tmp_path, upstream, database_url):
    shipped = shipped_until(tmp_path / "shipped", date(2024, 5, 31))
    upstream.script(
        "nyfed", "/rp/results/search.json", Scripted(shipped_operations_payload(date(2024, 6, 1), date(2024, 6, 7)))
    )
    store = SqlRecordStore(create_database(database_url))  # SQLite and PostgreSQL
    nyfed = NyFedSource(UpstreamClient("NY Fed Markets", upstream.base_url("nyfed")))
    live = FundingBook(store, nyfed=nyfed, shipped=shipped)

    reply = ask(live, "/funding 2024-06-04", date(2024, 6, 5))

    assert reply.text.splitlines()[1].startswith("SOFR 5.33%, 7 bp below IORB 5.40%; SRF take-up")
    asked = {(r.path, r.query.get("startDate")) for r in upstream.requests}
    assert ("/rates/secured/sofr/search.json", "2024-06-01") in asked
    assert ("/rp/results/search.json", "2024-06-01") in asked
    # Stored: a book without any source now answers the same day from the database.
    offline = FundingBook(store, shipped=shipped)
    assert offline.rates("SOFR").loc["2024-06-04", "rate"] == 5.33
    assert offline.repo_take_up().index.max().date() >= date(2024, 6, 4)
    assert store.refresh_status("nyfed_reference_rates").error is None


def test_policy_rates_newer_than_the_shipped_history_come_from_fred(tmp_path, upstream):
    shipped = shipped_until(tmp_path / "shipped", date(2024, 5, 31), policy_cutoff=date(2024, 5, 31))
    june = (date(2024, 6, 1), date(2024, 6, 7))
    upstream.script(
        "fred",
        "/series/observations",
        *(Scripted(shipped_fred_payload(series, *june)) for series in ("IORB", "DFEDTARL", "DFEDTARU")),
    )
    nyfed = NyFedSource(UpstreamClient("NY Fed Markets", upstream.base_url("nyfed")))
    fred = FredSource(UpstreamClient("FRED", upstream.base_url("fred")), "k" * 32)
    live = FundingBook(sqlite_store(tmp_path), nyfed=nyfed, fred=fred, shipped=shipped)

    reply = ask(live, "/funding 2024-06-04", date(2024, 6, 5))

    assert reply.text.splitlines()[1].startswith("SOFR 5.33%, 7 bp below IORB 5.40%")
    assert "• *Fed funds range* 5.25–5.50%" in reply.text
    fred_asks = [r.query for r in upstream.requests if r.source == "fred"]
    assert [q["series_id"] for q in fred_asks] == ["IORB", "DFEDTARL", "DFEDTARU"]
    assert all(q["observation_start"] == "2024-06-01" and q["file_type"] == "json" for q in fred_asks)


def test_positions_newer_than_the_shipped_history_are_fetched_and_answered(tmp_path, upstream):
    # The recorded Socrata payload is a fixture-grade subset (10y only) whose figures differ from the
    # shipped 2026-05-19 row; the shipped history is cut before it so the fetched row is what answers.
    shipped = shipped_until(tmp_path / "shipped", date(2026, 5, 12))
    cftc = CftcSource(UpstreamClient("CFTC", upstream.base_url("cftc")))
    live = FundingBook(sqlite_store(tmp_path), cftc=cftc, shipped=shipped)

    at_one = answer(
        "/basis positioning", ctx_at(date(2026, 5, 22), hour=13), build_registry(Services(live.store, funding=live))
    )
    # Tuesday's report is released on Friday at 15:30 ET: at 13:05 the desk still reads the week before.
    assert at_one.text.splitlines()[0] == "Leveraged funds in Treasury futures — report of Tue 12 May 2026"
    reply = answer(
        "/basis positioning", ctx_at(date(2026, 5, 22), hour=16), build_registry(Services(live.store, funding=live))
    )

    lines = reply.text.splitlines()
    assert lines[0] == "Leveraged funds in Treasury futures — report of Tue 19 May 2026"
    assert any(line.startswith("`10y (TY)               −1,194,445") for line in lines)
    assert (
        lines[1] == "Leveraged funds are net short 1,194,445 contracts (not DV01-weighted) across the 1 of 6 reported "
        "Treasury futures (+762,497 on the week)."
    )
    assert "`2y (TU)           not reported this week`" in lines  # the recorded payload carries the 10y only
    assert "Not reported this week: 2y (TU), 5y (FV), Ultra 10y (TN), Bond (US), Ultra Bond (WN)" in reply.text


def test_with_the_source_down_it_answers_from_what_it_has_and_says_so(tmp_path, upstream):
    shipped = shipped_until(tmp_path / "shipped", date(2024, 5, 31))
    upstream.script("nyfed", "/rates/secured/sofr/search.json", Scripted(b"<html>maintenance</html>", 200, "text/html"))
    upstream.script("nyfed", "/rp/results/search.json", Scripted(b"gone", 404, "text/plain"))
    nyfed = NyFedSource(UpstreamClient("NY Fed Markets", upstream.base_url("nyfed")))
    live = FundingBook(sqlite_store(tmp_path), nyfed=nyfed, shipped=shipped)

    reply = ask(live, "/funding", date(2024, 6, 4))

    assert reply.outcome is Outcome.OK
    assert reply.text.splitlines()[0] == "Funding — Fri 31 May 2024"
    context = reply.blocks[-1]["elements"][0]["text"]
    assert "NY Fed Markets is unavailable: it sent something that is not JSON" in context
    assert "NY Fed Markets is unavailable: it answered HTTP 404" in context
    assert "No SOFR for 2024-06-04 yet: showing 2024-05-31, the latest I have." in context


def test_wired_bot_reads_the_desk_feed_from_urls(tmp_path, upstream, monkeypatch):
    for path in DESK_FEED_FILES:
        upstream.serve_file("desk_feed", f"/{path.name}", path)
    urls = ",".join(f"{upstream.base_url('desk_feed')}/{path.name}" for path in DESK_FEED_FILES)
    for key, value in {**upstream.env(), "DESKBOT_DESK_FEED_URL": urls, "DESKBOT_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    wired = wire(load_settings())

    reply = answer("/basis 2025-04-09", ctx_at(date(2025, 4, 10), hour=10), wired.registry)

    # The synthetic feed (tests/fixtures/desk_feed): spreads 10 bp wider, TY implied repo 20 bp lower, TY −1%.
    assert "*Desk feed* (weight 25%) :red_circle: 99/100" in reply.text
    assert ":red_circle: 30y swap spread −95 bp (5-day −10 bp) — 99.2nd pct since 2025-01-02" in reply.text
    assert ":red_circle: 10y swap spread −60 bp (5-day −10 bp) — 99.2nd pct since 2025-01-02" in reply.text
    assert ":red_circle: TY implied repo − SOFR −22 bp (5-day −25 bp) — 99.2nd pct since 2025-01-02" in reply.text
    assert "TY moved −1.00% in the week to 2025-04-09 (20% of the 20× cushion, 50% of the 50× cushion)" in reply.text
    assert "a basis/swap-spread unwind (30y swap spread in its top 1%" in reply.text.splitlines()[1]
    assert "No component is missing." in reply.text and "desk feed" in reply.text.splitlines()[-1]


# ---- the command line, offline ------------------------------------------------------------------


def run_deskbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean_environment(), "DESKBOT_DATA_DIR": str(cwd / "data")},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deskbot_ask_funding_basis_and_calc_offline(tmp_path):
    funding = run_deskbot("ask", "/funding", "--as-of", "2024-06-06", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert funding.returncode == 0, funding.stderr
    assert funding.stdout.startswith("Funding — Thu 06 Jun 2024")
    assert (tmp_path / "out" / "funding-2024-06-06.png").read_bytes().startswith(b"\x89PNG")

    gauge = run_deskbot("ask", "/basis", "--as-of", "2025-04-09", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert gauge.returncode == 0, gauge.stderr
    # The shipped yields history supplies the rates component.
    assert "Stress 82/100" in gauge.stdout and "Rates (weight 20%)" in gauge.stdout
    assert "30y 3-day move 4.72% (3-day +31 bp)" in gauge.stdout
    assert "The data show a sharp rates move" in gauge.stdout

    calc = run_deskbot("ask", "/basis calc TY 110-16+ 4.25 2032-11-15 99-08", cwd=tmp_path)
    assert calc.returncode == 0, calc.stderr
    assert "Conversion factor" in calc.stdout and "Gross basis" in calc.stdout

    bad = run_deskbot("ask", "/basis calc TY 110-99 4.25 2032-11-15 99-08", cwd=tmp_path)
    assert bad.returncode == 2
    assert "110-99: the 32nds must be 00-31" in bad.stderr and "Traceback" not in bad.stderr
