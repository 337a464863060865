"""Bill auctions answered from the shipped TreasuryDirect history, as a desk member reads them."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import Services
from market.auctions.book import family
from market.auctions.history import BILLS_FILE, shipped_records
from market.publication import day_complete_at
from market.records import Kind
from tests.auction_support import FD_BILLS, live_book, shipped, sqlite_store
from tests.harness.shared_data import shared_file
from tests.harness.upstream import RecordedUpstream
from tests.test_cli import run_deskbot

BILL_TENORS = {"4w", "6w", "8w", "13w", "17w", "26w", "52w"}


@pytest.fixture
def services(tmp_path, upstream) -> Services:  # type: ignore[no-untyped-def]
    """The shipped history with both live sources at the recorded upstream, so any fetch would show."""
    store = sqlite_store(tmp_path)
    return Services(store, auctions=live_book(store, upstream))


def ask(services: Services, text: str, as_of: str) -> str:
    """`text` as `deskbot ask --as-of DAY` answers it: at that day's close, everything for it published."""
    day = date.fromisoformat(as_of)
    return answer(text, CommandContext(now=day_complete_at(day), close_of=day), build_registry(services)).text


def ask_at(services: Services, text: str, now: datetime) -> str:
    return answer(text, CommandContext(now=now), build_registry(services)).text


# ---------------------------------------------------------------- the shipped file


def test_every_bill_term_reads_as_the_tenor_a_desk_types_and_counts_as_a_bill():
    bills = [r for r in shipped_records() if r.kind == Kind.BILL]
    assert {r.tenor for r in bills} == BILL_TENORS
    assert {family(r) for r in shipped_records() if r.kind in (Kind.BILL, Kind.CMB)} == {"bills"}
    assert shipped("912797QJ9/2025-04-09").source == "TreasuryDirect"


def test_the_thirteen_week_reopening_of_7_april_2025():
    bill = shipped("912797LW5/2025-04-07")
    assert (bill.tenor, bill.security_term, bill.reopening) == ("13w", "13-Week", True)
    assert (bill.high_discount_rate, bill.high_investment_rate) == (Decimal("4.175000"), Decimal("4.278000"))
    assert bill.bid_to_cover == Decimal("2.820000")
    assert bill.median_discount_rate is None and bill.dealer_accepted is None  # not published for reopenings


def test_the_seventeen_week_original_issue_of_9_april_2025_has_its_median_and_bidders():
    bill = shipped("912797QJ9/2025-04-09")
    assert (bill.tenor, bill.reopening) == ("17w", False)
    assert (bill.high_discount_rate, bill.median_discount_rate) == (Decimal("4.250000"), Decimal("4.180000"))
    assert bill.high_minus_median_bp == pytest.approx(7.0)
    assert bill.bid_to_cover == Decimal("2.710000")
    assert bill.dealer_accepted + bill.direct_accepted + bill.indirect_accepted == bill.comp_accepted


def test_the_shipped_bills_span_2019_to_2025():
    bills = [r for r in shipped_records() if family(r) == "bills"]
    assert len(bills) == 2193
    assert min(r.auction_date for r in bills) == date(2019, 1, 3)
    assert max(r.auction_date for r in bills) == date(2025, 12, 31)
    assert sum(1 for r in bills if r.reopening is False) == 749


# ---------------------------------------------------------------- `/auction 13w`, `/auction 17w`


def test_a_thirteen_week_bill_by_date_shows_its_rates_and_no_coupon_lines(services, upstream):
    text = ask(services, "auction 13w 2025-04-07", "2025-04-09")

    lines = text.splitlines()
    assert lines[0] == "13-week bill auction 2025-04-07: in line"
    assert lines[1] == (
        ":white_circle: high discount rate *4.175%* · high investment rate *4.278%* · bid-to-cover *2.82x* · "
        "$76.0bn offered"
    )
    assert "Not on record for this auction: bidder classes, median discount rate." in lines
    for coupon_only in ("high yield", "WI", "tail", "Tail"):
        assert coupon_only not in text
    assert "912797LW5 · reopening (13-Week) · competitive close 11:30 am ET" in lines
    assert (
        "Source: TreasuryDirect · auction 2025-04-07 · compared with the previous 6 13-week bill auctions "
        "(2025-02-24 … 2025-03-31;"
    ) in text
    assert upstream.requests == []


def test_the_latest_thirteen_week_as_of_9_april_answers_without_the_network(services, upstream):
    text = ask(services, "auction 13w", "2025-04-09")

    assert text.startswith("13-week bill auction 2025-04-07: ")
    assert "high discount rate *4.175%* · high investment rate *4.278%* · bid-to-cover *2.82x*" in text
    assert upstream.requests == []


def test_a_seventeen_week_original_issue_shows_high_minus_median_and_its_bidders(services):
    text = ask(services, "auction 17w", "2025-04-09")

    lines = text.splitlines()
    assert lines[0].startswith("17-week bill auction 2025-04-09: ")
    assert (
        "high discount rate *4.250%* · high investment rate *4.370%* · bid-to-cover *2.71x* · $60.0bn offered"
        in (lines[1])
    )
    assert lines[2] == "Dealers *43.1%* · indirects *52.8%* · directs 4.0% (of competitive accepted)"
    assert lines[3].startswith("High − median: +7.0 bp (discount rate; median 4.180%), prior avg ")
    assert "Not on record" not in text
    assert "high yield" not in text and "WI" not in text
    # Judged against the prior six 17-week bills only: no coupon dealer line for a bill.
    assert "quasi-failure" not in text
    assert "compared with the previous 6 17-week bill auctions (2025-02-26 … 2025-04-02;" in text


def test_a_bill_left_out_of_the_history_is_not_said_never_to_have_happened(services):
    # The 13-week of 2023-02-27 was held, but its record was re-issued on 2023-04-28: no date to ship.
    reply = answer(
        "auction 13w 2023-02-27",
        CommandContext(now=day_complete_at(date(2023, 3, 1)), close_of=date(2023, 3, 1)),
        build_registry(services),
    )
    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(":warning: I have no 13-week bill auction on record for 2023-02-27.")


def test_a_bill_graded_on_cover_alone_says_so():
    from market.analytics.auctions import assess

    assessment = assess(shipped("912797LW5/2025-04-07"), shipped_records())
    assert [r.tenor for r in assessment.priors] == ["13w"] * 6
    assert assessment.grade.label == "in line"
    assert assessment.grade.reasons[-1] == "graded on bid-to-cover alone (no bidder shares to compare with)"


# ---------------------------------------------------------------- `/auction bills`


def test_bills_lists_the_week_as_a_compact_table(services, upstream):
    text = ask(services, "auction bills", "2025-04-10")

    lines = text.splitlines()
    assert lines[0] == "Bill auctions, week of Mon 2025-04-07"
    assert lines[1:9] == [
        "term     auction        high disc %   cover  offered $bn",
        "13w      Mon 2025-04-07       4.175   2.82x         76.0",
        "26w      Mon 2025-04-07       4.000   2.79x         68.0",
        "14d CMB  Mon 2025-04-07       4.300   2.65x         50.0",
        "6w       Tue 2025-04-08       4.265   2.83x         70.0",
        "17w      Wed 2025-04-09       4.250   2.71x         60.0",
        "4w       Thu 2025-04-10       4.245   2.95x         85.0",
        "8w       Thu 2025-04-10       4.235   3.10x         75.0",
    ]
    assert lines[9] == "Source: TreasuryDirect · 7 results published by then, auctions 2025-04-07 … 2025-04-10"
    assert upstream.requests == []


def test_bills_shows_only_results_published_by_the_time_asked(services):
    before_close = ask_at(services, "auction bills", datetime(2025, 4, 9, 11, 30, tzinfo=DESK_TZ))
    posted = ask_at(services, "auction bills", datetime(2025, 4, 9, 11, 35, tzinfo=DESK_TZ))

    # The 17-week closed at 11:30 ET; its result counts as public five minutes later.
    assert "17w " not in before_close and "6w       Tue 2025-04-08" in before_close
    assert "17w      Wed 2025-04-09       4.250   2.71x         60.0" in posted
    assert "4w " not in posted  # Thursday's, not yet held


def test_bills_for_a_date_lists_that_dates_week_up_to_it(services):
    text = ask(services, "auction bills 2025-04-07", "2025-04-10")
    assert [line.split()[0] for line in text.splitlines()[2:5]] == ["13w", "26w", "14d"]
    assert "Tue 2025-04-08" not in text


def test_bills_with_other_words_gets_the_usage(services):
    reply = answer(
        "auction bills 13w", CommandContext(now=day_complete_at(date(2025, 4, 10))), build_registry(services)
    )
    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(":warning: `auction bills` takes at most a date")


# ---------------------------------------------------------------- the CLI, offline


def test_deskbot_ask_answers_a_bill_offline(tmp_path, upstream: RecordedUpstream):
    env = {**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path / "data")}
    result = run_deskbot("ask", "/auction 13w", "--as-of", "2025-04-09", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "13-week bill auction 2025-04-07: in line"
    assert "high discount rate 4.175% · high investment rate 4.278% · bid-to-cover 2.82x" in result.stdout
    assert upstream.requests == []


# ---------------------------------------------------------------- how the file was built


@pytest.mark.needs_shared
def test_the_build_script_reproduces_the_shipped_bills(tmp_path):
    import scripts.build_auction_history as build

    summary = build.build_bills(
        shared_file(f"auctions/{build.JQ_RAW}"), shared_file(f"auctions/{build.ORIGINALS_RAW}"), tmp_path
    )

    assert (tmp_path / BILLS_FILE).read_bytes() == (build.OUT / BILLS_FILE).read_bytes()
    assert (summary.written, summary.originals, summary.reopenings, summary.left_out) == (2193, 749, 1444, 31)
    # The result stamp tried on the original issues, whose auction date is known.
    assert (summary.rule_agrees, summary.rule_differs, summary.rule_silent) == (729, 2, 18)


@pytest.mark.needs_shared
def test_the_date_rule_gives_fiscal_datas_auction_date_for_every_january_2026_bill():
    import scripts.build_auction_history as build

    all_auctions = build._read_jqsearch(shared_file(f"auctions/{build.JQ_RAW}"))
    originals = build._read_jqsearch(shared_file(f"auctions/{build.ORIGINALS_RAW}"))
    doubtful = build.restamped_days(all_auctions, {build._key(r): r["auctionDate"][:10] for r in originals})
    dated = {(r["cusip"], r["issue_date"]): r["auction_date"] for r in json.loads(FD_BILLS.read_text())["data"]}

    assert build.check_stamp_rule(all_auctions, dated, doubtful) == {"agrees": 25}
