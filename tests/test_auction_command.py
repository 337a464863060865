"""`/auction` as a desk member types it: results, history chart, calendar, WI tails and usage errors."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from charts.render import render_png
from charts.specs import PanelChart
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import Services
from market.auctions.wi import WiFeed
from tests.auction_support import live_book, sqlite_store
from tests.harness.upstream import Scripted

FRIDAY = datetime(2025, 4, 11, 18, 0, tzinfo=DESK_TZ)


@pytest.fixture
def services(tmp_path) -> Services:
    store = sqlite_store(tmp_path)
    return Services(store, auctions=live_book(store, None))


def ask(services: Services, text: str, now: datetime = FRIDAY, **ctx):  # type: ignore[no-untyped-def]
    return answer(text, CommandContext(now=now, **ctx), build_registry(services))


def test_the_latest_ten_year_leads_with_the_grade_and_the_figures(services):
    reply = ask(services, "auction 10y")

    lines = reply.text.splitlines()
    assert lines[0] == "10-year auction 2025-04-09: strong"
    assert lines[1] == (
        ":large_green_circle: high yield *4.435%* · bid-to-cover *2.67x* · dealers *10.7%* · "
        "indirects *87.9%* · directs 1.4%"
    )
    assert lines[2].startswith("No WI yield given (no public source has one), so no tail.")
    assert "Bid-to-cover       2.67x       2.56x   2.48x – 2.70x" in lines
    assert (
        "91282CMM0 · reopening (9-Year 10-Month, originally 10-Year) · offered $39.0bn · SOMA add-on $6.5bn · "
        "competitive close 1:00 pm ET"
    ) in lines
    assert reply.blocks[0]["text"]["text"] == "10-year auction 2025-04-09: strong"
    assert reply.blocks[-1]["elements"][0]["text"].startswith(
        "Source: Treasury Fiscal Data, TreasuryDirect (median yield) · auction 2025-04-09"
    )
    assert reply.charts == ()


def test_a_past_thirty_year_by_date(services):
    reply = ask(services, "auction 30y 2025-04-10")
    assert reply.text.startswith("30-year auction 2025-04-10: in line\n")
    assert (
        "high yield *4.813%* · bid-to-cover *2.43x* · dealers *12.3%* · indirects *61.9%* · directs 25.8%" in reply.text
    )


def test_wi_gives_the_tail_in_bp(services):
    reply = ask(services, "auction 10y wi=4.46")
    assert "Tail vs WI: *−2.5 bp* (stopped through; WI 4.460% as given)." in reply.text

    weak = ask(services, "auction 30y 2023-11-09 wi=4.716")
    assert weak.text.startswith("30-year auction 2023-11-09: weak")
    assert "Tail vs WI: *+5.3 bp* (tailed; WI 4.716% as given)." in weak.text
    assert ":warning: *Tailed the when-issued by 5.3 bp (≥ 2 bp)*" in weak.text


def test_without_wi_high_minus_median_is_shown_where_the_source_has_it(services):
    reply = ask(services, "auction 30y 2023-11-09")
    assert "High − median instead: +11.9 bp, prior avg +7.8 bp." in reply.text


def test_a_cusip_finds_its_latest_auction(services):
    reply = ask(services, "auction 912810tv0", datetime(2024, 1, 1, 12, 0, tzinfo=DESK_TZ))
    assert reply.text.startswith("30-year auction 2023-12-12: ")
    assert "912810TV0 · reopening (29-Year 11-Month, originally 30-Year)" in reply.text


def test_history_charts_the_last_auctions_with_the_dealer_flag_line(services):
    reply = ask(services, "auction 10y history")

    assert reply.text.startswith("10-year auctions: last 18 through 2025-04-09\n")
    assert "No auction with dealers ≥ 40% (the flag line on the chart)." in reply.text
    (chart,) = reply.charts
    assert isinstance(chart, PanelChart)
    assert chart.categories[0] == "2023-11-08" and chart.categories[-1] == "2025-04-09"
    # No WI was given: the tail panel shows high − median (TreasuryDirect's medians), and the title says so.
    assert chart.title == (
        "10-year auctions, 8 Nov 2023 – 9 Apr 2025: high yield, high − median, bid-to-cover, bidder shares"
    )
    assert [panel.y_label for panel in chart.panels] == [
        "High yield (%)",
        "Tail (bp)",
        "Bid-to-cover (x)",
        "Bidders (%)",
    ]
    assert chart.panels[0].series[0].values[-1] == 4.435
    assert chart.panels[1].series[0].label == "High − median" and chart.panels[1].series[0].values[-1] == 9.5
    assert chart.panels[3].thresholds[0].value == 40.0
    dealers = chart.panels[3].series[0]
    assert dealers.label == "Dealers" and round(dealers.values[-1], 1) == 10.7
    assert render_png(chart).startswith(b"\x89PNG")


def test_history_of_the_frn_names_the_dealer_takedowns(services):
    reply = ask(services, "auction frn history", datetime(2025, 4, 30, 18, 0, tzinfo=DESK_TZ))
    assert "Dealer takedown ≥ 40%: " in reply.text
    assert "2025-04-23" in reply.text.split("Dealer takedown ≥ 40%: ")[1].splitlines()[0]


def test_next_replays_the_calendar_for_a_past_date(services):
    reply = ask(services, "auction next", datetime(2025, 4, 7, 18, 0, tzinfo=DESK_TZ))
    lines = reply.text.splitlines()
    assert lines[:3] == [
        "Treasury auctions from 2025-04-07",
        "*Tue 2025-04-08*",
        "• 1:00 pm ET — 3-year (3-Year) · 91282CMW8 · new issue · $58.0bn",
    ]
    assert "• 1:00 pm ET — 10-year (9-Year 10-Month) · 91282CMM0 · reopening · $39.0bn" in lines
    assert "Source: auction history · as of 2025-04-07 · competitive close times in ET" in lines


def test_next_reads_the_live_calendar_falling_back_to_fiscal_data(tmp_path, upstream):
    store = sqlite_store(tmp_path)
    services = Services(store, auctions=live_book(store, upstream))
    reply = ask(
        services, "/auction next", datetime(2026, 7, 17, 9, 0, tzinfo=DESK_TZ), short_commands={"/auction": "auction"}
    )

    lines = reply.text.splitlines()
    assert lines[:4] == [
        "Treasury auctions from 2026-07-17",
        "*Mon 2026-07-20*",
        "• 11:30 am ET — 13-week bill (13-Week) · 912797UL9 · reopening · $92.0bn",
        "• 11:30 am ET — 26-week bill (26-Week) · 912797TM9 · reopening · $79.0bn",
    ]
    assert "• 1:00 pm ET — 20-year (19-Year 10-Month) · 912810UV8 · reopening · $13.0bn" in lines
    assert lines[-1] == "Source: Treasury Fiscal Data · as of 2026-07-17 · competitive close times in ET"
    assert [(r.source, r.path, r.status) for r in upstream.requests] == [
        ("treasurydirect", "/securities/upcoming", 404),
        ("fiscaldata", "/v1/accounting/od/upcoming_auctions", 200),
    ]


def test_the_wi_feed_from_a_csv_file_gives_the_tail(tmp_path):
    feed = tmp_path / "wi.csv"
    feed.write_text(
        "tenor,wi_yield,as_of\n10y,4.420,2025-04-09T12:55\n10y,4.470,2025-04-09T13:30\n30y,4.80,2025-04-10\n"
    )
    store = sqlite_store(tmp_path)
    book = live_book(store, None)
    book.wi_feed = WiFeed.from_setting(str(feed))
    services = Services(store, auctions=book)

    ten = ask(services, "auction 10y 2025-04-09")
    assert (
        "Tail vs WI: *+1.5 bp* (tailed; WI 4.420% from the desk feed)." in ten.text
    )  # the 13:30 quote is after the close
    thirty = ask(services, "auction 30y")
    assert "Tail vs WI: *+1.3 bp* (tailed; WI 4.800% from the desk feed)." in thirty.text
    three = ask(services, "auction 3y")
    assert "No tail: the desk WI feed has no quote for this auction." in three.text


def test_the_wi_feed_from_a_url_serving_json(tmp_path, upstream):
    quotes = {"quotes": [{"cusip": "912810UG1", "wi_yield": "4.79", "as_of": "2025-04-10T12:59"}]}
    upstream.script("fiscaldata", "/desk/wi.json", Scripted(json.dumps(quotes).encode()))
    store = sqlite_store(tmp_path)
    book = live_book(store, None)
    book.wi_feed = WiFeed.from_setting(upstream.base_url("fiscaldata") + "/desk/wi.json")

    reply = ask(Services(store, auctions=book), "auction 30y")
    assert "Tail vs WI: *+2.3 bp* (tailed; WI 4.790% from the desk feed)." in reply.text
    assert ":warning: *Tailed the when-issued by 2.3 bp (≥ 2 bp)*" in reply.text


def test_an_unreadable_wi_feed_is_said_in_plain_words(tmp_path):
    store = sqlite_store(tmp_path)
    book = live_book(store, None)
    book.wi_feed = WiFeed.from_setting(str(tmp_path / "missing.csv"))
    reply = ask(Services(store, auctions=book), "auction 30y")
    assert reply.outcome is Outcome.OK
    assert "No tail: WI feed unavailable (" in reply.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("auction 12y", "`12y` is not a tenor I know. Try 2y 3y 5y 7y 10y 20y 30y"),
        ("auction 30y 2025-04-11", "There was no 30-year auction on 2025-04-11. Nearest: 2025-04-10."),
        ("auction 10y 2025-02-30", "`2025-02-30` is not a valid auction date"),
        ("auction 10y 2025-05-01", "2025-05-01 is in the future; today is 2025-04-11."),
        ("auction 10y wi=446", "`wi=446` is not a yield: give the when-issued yield in percent, e.g. `wi=4.46`."),
        ("auction 10y wi=abc", "`wi=` must be a number (got `abc`)."),
        ("auction 10y wi=nan", "`wi=` must be a finite number (got `nan`)."),
        ("auction", "Say which auction: `next`, a tenor or a CUSIP."),
        ("auction next 10y", "`auction next` takes no other words."),
        ("auction 20y 2021-12-02", "The 20-year auction of 2021-12-02 was a $25m small-value test auction"),
        ("auction 10y fast=1", "`fast=1` is not something I understand here."),
        ("auction 10y 2025-04-09 --as-of 2025-04-08", "2025-04-09 is after the --as-of date 2025-04-08."),
    ],
)
def test_bad_text_gets_a_short_usage_message(services, text, message):
    reply = ask(services, text)
    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(f":warning: {message}")
    assert reply.text.splitlines()[-2:] == [
        "Usage: `/deskbot auction <next|tenor|CUSIP> [YYYY-MM-DD] [history] [wi=YIELD]`",
        "For example: `/deskbot auction next`",
    ]


def test_auction_is_registered_only_with_an_auction_book(tmp_path, services):
    assert build_registry(Services(sqlite_store(tmp_path))).get("auction") is None
    registry = build_registry(services)
    assert registry.get("auction") is not None
    overview = answer("help", CommandContext(now=FRIDAY), registry).text
    assert "`/deskbot auction <next|tenor|CUSIP> [YYYY-MM-DD] [history] [wi=YIELD]`" in overview


def test_history_with_wi_draws_the_latest_tail(services):
    reply = ask(services, "auction 30y history wi=4.79")
    assert "Tail vs WI on 2025-04-10: +2.3 bp (WI 4.790% as given)." in reply.text
    (chart,) = reply.charts
    (tails,) = [panel for panel in chart.panels if panel.y_label == "Tail (bp)"]
    tail = tails.series[0]
    assert tail.label == "Tail vs WI" and tail.values[-1] == 2.3 and set(tail.values[:-1]) == {None}


def test_wi_for_an_auction_that_does_not_clear_on_yield_is_refused(services):
    reply = ask(services, "auction frn wi=4.3", datetime(2025, 4, 30, 18, 0, tzinfo=DESK_TZ))
    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(
        ":warning: `wi=` applies to auctions that clear on yield; the 2-year FRN clears on discount margin."
    )


def test_history_before_bidder_classes_says_the_takedown_cannot_be_seen(services):
    reply = ask(services, "auction 30y history --as-of 2006-02-09")

    assert reply.outcome is Outcome.OK, reply.text
    assert "Over the 5: bid-to-cover 1.33–3.71x, no bidder classes in the data." in reply.text
    assert "Dealer takedown cannot be seen: these auctions' records carry no bidder classes." in reply.text
