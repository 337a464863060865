"""The result flash: from the close, poll TreasuryDirect until results post, then one reply with one chart."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from charts.render import render_png
from charts.specs import PanelChart
from commands.auctions import format_flash
from market.auctions.book import DATASET
from market.auctions.flash import close_of, watch_for_result
from market.sources.treasurydirect import parse_treasurydirect
from market.tz import DESK_TZ
from tests.auction_support import live_book, sqlite_store, td_excerpt, without_results
from tests.harness.upstream import Scripted

SEARCH = "/securities/search"


class FakeTime:
    """A clock that moves only when the watcher sleeps, so tests never wait."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def _payload(rows) -> Scripted:  # type: ignore[no-untyped-def]
    return Scripted(json.dumps(rows).encode())


def _thirty_year_announcement():  # type: ignore[no-untyped-def]
    return parse_treasurydirect(without_results(td_excerpt()))[2]


def test_the_close_time_comes_from_the_data():
    cmb, bill, bond = parse_treasurydirect(without_results(td_excerpt()))
    assert close_of(bond) == datetime(2023, 11, 9, 13, 0, tzinfo=DESK_TZ)
    assert close_of(bill).time() == time(11, 30)
    assert not bond.has_results


def test_the_flash_returns_exactly_one_result_once_results_post(tmp_path, upstream):
    empty, full = without_results(td_excerpt()), td_excerpt()
    upstream.script("treasurydirect", SEARCH, _payload(empty), _payload(empty), _payload(full))
    store = sqlite_store(tmp_path)
    book = live_book(store, upstream)
    fake = FakeTime(datetime(2023, 11, 9, 12, 59, 30, tzinfo=DESK_TZ))

    outcome = book.watch(_thirty_year_announcement(), clock=fake.clock, sleep=fake.sleep, interval_seconds=1.0)
    reply = format_flash(book, outcome)

    assert fake.sleeps == [30.0, 1.0, 1.0]  # wait for the 13:00 close, then poll every second
    assert [(r.path, r.query["startDate"]) for r in upstream.requests] == [(SEARCH, "11/09/2023")] * 3
    lines = reply.text.splitlines()
    assert lines[0] == ":red_circle: Result: 30-year auction 2023-11-09: weak"
    assert "high yield *4.769%* · bid-to-cover *2.24x* · dealers *24.7%*" in lines[1]
    assert reply.blocks[0]["text"]["text"] == "Result: 30-year auction 2023-11-09: weak"
    (chart,) = reply.charts
    assert isinstance(chart, PanelChart)
    assert chart.categories[-1] == "2023-11-09" and chart.highlight == len(chart.categories) - 1
    assert len(chart.categories) == 12
    assert render_png(chart).startswith(b"\x89PNG")
    assert "912810TV0/2023-11-09" in {row.key for row in store.load(DATASET)}


def test_a_failed_poll_is_retried_at_the_next_interval(tmp_path, upstream):
    upstream.fail_next("treasurydirect", 503)
    upstream.script("treasurydirect", SEARCH, _payload(td_excerpt()))
    book = live_book(sqlite_store(tmp_path), upstream)
    fake = FakeTime(datetime(2023, 11, 9, 13, 0, 5, tzinfo=DESK_TZ))

    outcome = watch_for_result(
        _thirty_year_announcement(), book.poll, clock=fake.clock, sleep=fake.sleep, interval_seconds=2.0
    )

    assert outcome.result is not None and outcome.result.key == "912810TV0/2023-11-09"
    assert outcome.polls == 2
    assert fake.sleeps == [2.0]


def test_no_result_before_the_time_out_gives_up_with_a_message(tmp_path, upstream):
    upstream.script("treasurydirect", SEARCH, _payload(without_results(td_excerpt())))
    book = live_book(sqlite_store(tmp_path), upstream)
    fake = FakeTime(datetime(2023, 11, 9, 13, 0, tzinfo=DESK_TZ))

    outcome = book.watch(
        _thirty_year_announcement(),
        clock=fake.clock,
        sleep=fake.sleep,
        interval_seconds=60,
        timeout=timedelta(minutes=5),
    )
    reply = format_flash(book, outcome)

    assert reply.text == (
        ":hourglass: No result for the 30-year auction of 2023-11-09 by 13:05 ET after 6 checks; I stopped watching."
    )
    assert reply.charts == ()
    assert fake.now == datetime(2023, 11, 9, 13, 5, tzinfo=DESK_TZ)
    assert len(upstream.requests) == 6


def test_the_flash_with_a_wi_yield_draws_the_tail_against_its_flag_line(tmp_path, upstream):
    upstream.script("treasurydirect", SEARCH, _payload(td_excerpt()))
    book = live_book(sqlite_store(tmp_path), upstream)
    fake = FakeTime(datetime(2023, 11, 9, 13, 1, tzinfo=DESK_TZ))

    outcome = book.watch(_thirty_year_announcement(), clock=fake.clock, sleep=fake.sleep)
    reply = format_flash(book, outcome, wi_yield=4.716)

    assert reply.text.splitlines()[:3] == [
        ":red_circle: Result: 30-year auction 2023-11-09: weak",
        ":red_circle: high yield *4.769%* · bid-to-cover *2.24x* · dealers *24.7%* · indirects *60.1%* · directs 15.2%",
        "Tail vs WI: *+5.3 bp* (tailed; WI 4.716% as given).",
    ]
    (tails,) = [panel for panel in reply.charts[0].panels if panel.y_label == "Tail (bp)"]
    assert [series.label for series in tails.series] == ["Tail vs WI", "High − median"]
    assert tails.series[1].values[-1] is None  # one bar per auction: the tail vs WI where the WI is known
    assert tails.series[0].values[-1] == 5.3
    assert [(line.value, line.label) for line in tails.thresholds] == [(2.0, "tail flag 2 bp")]
