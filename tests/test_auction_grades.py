"""Auction grades a desk can trust (issue 15): ranges, records, each kind on its own, WI sanity, the flash's colour.

Every example is a shipped auction, read as the desk reads it: the reply text of `/auction` or of the flash.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from commands.auctions import format_flash
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import Services
from market.auctions.book import AuctionBook
from market.auctions.flash import FlashOutcome
from tests.auction_support import live_book, shipped, sqlite_store

LATE_APRIL = datetime(2025, 4, 30, 18, 0, tzinfo=DESK_TZ)


@pytest.fixture
def book(tmp_path) -> AuctionBook:
    return live_book(sqlite_store(tmp_path), None)


def ask(book: AuctionBook, text: str):  # type: ignore[no-untyped-def]
    services = Services(book.store, auctions=book)
    return answer(text, CommandContext(now=LATE_APRIL), build_registry(services))


def test_the_april_three_year_is_flagged_for_dealers_above_the_prior_range_and_not_in_line(book):
    reply = ask(book, "auction 3y 2025-04-08")
    lines = reply.text.splitlines()

    assert lines[0] == "3-year auction 2025-04-08: soft"
    assert lines[1].startswith(":large_orange_circle: high yield *3.784%* · bid-to-cover *2.47x* · dealers *20.7%*")
    assert ":warning: *Dealers 20.7%, above the prior six's range 10.2–19.8%*" in lines
    assert ":warning: *Directs 6.2%, below the prior six's range 9.6–26.0%*" in lines
    assert "dealers took more (20.7% vs 15.8% average, above the prior range)" in reply.text
    # The WI hint is the 3-year's own level, not a 10-year's.
    assert "High − median instead: +8.4 bp, prior avg +5.2 bp." in lines[2]  # TreasuryDirect's median, shipped


def test_the_april_ten_year_names_its_record_bidder_shares_since_the_history_begins(book):
    reply = ask(book, "auction 10y 2025-04-09")
    lines = reply.text.splitlines()

    assert lines[0] == "10-year auction 2025-04-09: strong"
    assert (
        "• Record: highest indirect share for a 10-year since at least 2019-01-09 "
        "(87.9%; previous record 79.5% on 2023-02-08)."
    ) in lines
    assert (
        "• Record: lowest direct share for a 10-year since at least 2019-01-09 "
        "(1.4%; previous record 8.4% on 2024-10-09)."
    ) in lines
    assert "• Indirects 87.9%, above the prior six's range 61.4–77.6% (on the strong side)" in lines


def test_a_short_history_claims_no_record(book):
    # May 2019's 10-year had the lowest cover and highest dealer share of the four months shipped
    # before it: too short a history (under 12 auctions) to call anything a record.
    reply = ask(book, "auction 10y 2019-05-08")
    assert "Dealers 35.2%, above" in reply.text
    assert "Record:" not in reply.text


def test_the_frn_dealer_takedown_is_judged_against_frns_not_called_a_failure(book):
    reply = ask(book, "auction frn 2025-04-23")

    assert "quasi-failure" not in reply.text
    assert (
        ":warning: *Dealers took 49.6% of competitive accepted (≥ 40%), above the prior six's range 20.9–34.2%: "
        "heavy, but no failure for a 2-year FRN, whose dealers took ≥ 40% in 4 of its previous 24 auctions*"
    ) in reply.text.splitlines()
    # Still a poor auction on its own kind's terms: cover and indirects below their prior ranges.
    assert reply.text.startswith("2-year FRN auction 2025-04-23: weak\n")
    assert ":warning: *Bid-to-cover 2.69x, below the prior six's range 2.72–3.01x*" in reply.text


def test_a_coupon_that_seldom_reaches_the_dealer_line_still_calls_it_a_quasi_failure(book):
    # February 2020's 2-year: the only 2y since 2019 with dealers at 40% or more.
    reply = ask(book, "auction 2y 2020-02-25")

    assert reply.text.startswith("2-year auction 2020-02-25: weak\n")
    assert (
        ":warning: *Dealers took 44.5% of competitive accepted (≥ 40%), above the prior six's range 23.1–32.5%: "
        "a quasi-failure*"
    ) in reply.text.splitlines()


def test_a_wi_yield_far_from_the_high_is_refused_with_a_clear_line(book):
    reply = ask(book, "auction 3y 2025-04-08 wi=4.46")

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.splitlines()[0] == (
        ":warning: wi=4.46 is 67.6 bp from the 3y's high yield 3.784%: a WI yield is within 25 bp "
        "of where the auction cleared; did you mean another tenor?"
    )
    near = ask(book, "auction 3y 2025-04-08 wi=3.77")
    assert "Tail vs WI: *+1.4 bp* (tailed; WI 3.770% as given)." in near.text


def test_the_flash_leaves_a_far_wi_out_with_a_note(book):
    record = shipped("91282CMW8/2025-04-08")
    reply = format_flash(book, FlashOutcome(record, record, 0, LATE_APRIL), wi_yield=4.46)
    assert "Tail vs WI" not in reply.text
    assert "No tail: the given wi=4.46 is 67.6 bp from the 3y's high yield 3.784%, so it is not used." in reply.text


@pytest.mark.parametrize(
    ("key", "wi", "first_line"),
    [
        ("91282CMM0/2025-04-09", None, ":large_green_circle: Result: 10-year auction 2025-04-09: strong"),
        ("912810UG1/2025-04-10", None, ":white_circle: Result: 30-year auction 2025-04-10: in line"),
        ("91282CMW8/2025-04-08", None, ":large_orange_circle: Result: 3-year auction 2025-04-08: soft"),
        ("91282CMX6/2025-04-23", None, ":red_circle: Result: 2-year FRN auction 2025-04-23: weak"),
        # A tail at the flag line is red whatever the rest.
        ("912810UG1/2025-04-10", 4.79, ":red_circle: Result: 30-year auction 2025-04-10: weak"),
    ],
)
def test_the_flash_wears_the_grade_s_colour_not_an_alarm(book, key, wi, first_line):
    record = shipped(key)
    reply = format_flash(book, FlashOutcome(record, record, 0, LATE_APRIL), wi_yield=wi)

    assert reply.text.splitlines()[0] == first_line
    assert ":rotating_light:" not in reply.text
    assert reply.blocks[0]["text"]["text"] == first_line.split(" ", 1)[1]


def test_april_2025_high_minus_median_comes_from_treasurydirects_shipped_medians():
    from market.auctions.history import shipped_records

    by_key = {(r.tenor, r.auction_date.isoformat()): r for r in shipped_records()}
    ten, thirty = by_key[("10y", "2025-04-09")], by_key[("30y", "2025-04-10")]
    assert (str(ten.median_yield), ten.high_minus_median_bp) == ("4.340000", pytest.approx(9.5))
    assert (str(thirty.median_yield), thirty.high_minus_median_bp) == ("4.730000", pytest.approx(8.3))
