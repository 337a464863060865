"""What a desk sees from /yields and /curve, on the shipped closes."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest

from bot.slack_message import message_payload
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Outcome
from commands.services import Services
from market.http import UpstreamClient
from market.sources.treasury_rates import TreasuryRatesSource
from market.tz import DESK_TZ
from market.yields.history import YieldHistory
from tests.harness.stores import sqlite_store
from tests.harness.upstream import RecordedUpstream

FRIDAY_EVENING = datetime(2025, 4, 11, 18, 30, tzinfo=DESK_TZ)
SHORT = {"/yields": "yields", "/curve": "curve"}


@pytest.fixture
def registry(tmp_path, upstream: RecordedUpstream) -> Registry:
    store = sqlite_store(tmp_path)
    client = UpstreamClient("Treasury par yield curve", upstream.base_url("treasury_rates"), sleep=lambda _s: None)
    return build_registry(Services(store=store, yields=YieldHistory(store, TreasuryRatesSource(client))))


def ask(registry: Registry, text: str, now: datetime = FRIDAY_EVENING, slash: str = "/deskbot"):  # type: ignore[no-untyped-def]
    ctx = CommandContext(now=now, slash_command=slash, user_id="U0TRADER", channel_id="C0DESK", short_commands=SHORT)
    return answer(text, ctx, registry)


def test_yields_gives_the_curve_its_changes_and_the_rare_moves_as_a_desk_says_them(registry):
    reply = ask(registry, "/deskbot yields")

    assert reply.outcome is Outcome.OK
    assert reply.text.startswith("Treasury curve — close 2025-04-11 (Fri)")
    assert "*30y 4.85%* (−1 bp d/d, +44 bp w/w)" in reply.text
    assert (
        "30y +44 bp on the week: largest weekly rise since the series resumed on 2006-02-10"
        " (before its 2002–2006 break: the Friday-to-Friday week ending 1987-04-24, +47 bp)" in reply.text
    )
    assert (
        "10y +47 bp on the week: largest weekly rise since the Friday-to-Friday week ending 2001-11-16 (+57 bp)"
        in reply.text
    )
    assert "*Week:* 2s10s bear steepener (2y +28 bp, 10y +47 bp, spread +19 bp)" in reply.text
    assert "*Day:* 2s10s bear flattener" in reply.text
    assert "2s10s    +52" in reply.text  # 4.48 − 3.96
    assert "Source: Treasury par yield curve" in reply.blocks[-1]["elements"][0]["text"]
    assert "close 2025-04-11" in reply.blocks[-1]["elements"][0]["text"]


def test_yields_30y_on_the_day_of_the_three_day_rise(registry):
    reply = ask(registry, "/deskbot yields 30y --as-of 2025-04-09")

    assert "*30y 4.72%*" in reply.text
    assert "3 days       +31 bp" in reply.text
    assert "2020-03-19 (+44 bp)" in reply.text
    assert "*30y 4.72%*, +31 bp over 3 days: largest 3-day rise since the window ending 2020-03-19 (+44 bp)" in (
        reply.text
    )
    assert "Fri-Fri" not in reply.text  # Wednesday: the week is not over
    (chart,) = reply.charts
    assert chart.shades[0].start == date(2025, 4, 4) and chart.shades[0].end == date(2025, 4, 9)
    assert chart.series[0].points[-1] == (date(2025, 4, 9), 4.72)
    assert chart.series[0].points[0][0] >= date(2025, 1, 8)  # three months by default


def test_yields_for_several_tenors_and_a_chosen_history(registry):
    reply = ask(registry, "/deskbot yields 10y 30y --since 2025-01-01 --as-of 2025-04-11")

    assert "*10y 4.48%*, +47 bp on the week" in reply.text
    assert "*30y 4.85%*, +44 bp on the week" in reply.text
    (chart,) = reply.charts
    assert [series.label for series in chart.series] == ["10y", "30y"]
    assert chart.series[0].points[0][0] == date(2025, 1, 2)
    assert "Fri-Fri      +44 bp    99.3  resumed 2006-02-10; before: 1987-04-24" in reply.text


def test_the_short_slash_commands_take_the_same_path(registry):
    typed = ask(registry, "/yields 30y")
    from_slack = ask(registry, "30y", slash="/yields")
    full = ask(registry, "/deskbot yields 30y")

    assert typed.text == from_slack.text == full.text
    assert ask(registry, "/curve").text == ask(registry, "/deskbot curve").text


def test_curve_compares_chosen_dates_in_a_table_and_a_chart(registry):
    reply = ask(registry, "/deskbot curve 2025-04-09 vs 2025-04-02 vs 2024-12-31")

    assert "*2y 0 bp, 10y +14 bp, 30y +18 bp since 2025-04-02*" in reply.text
    assert "30y         4.72%       4.54%       4.78%       +18        −6" in reply.text
    (chart,) = reply.charts
    assert chart.categories[0] == "1m" and chart.categories[-1] == "30y"
    assert [s.label for s in chart.series] == ["2025-04-09", "2025-04-02", "2024-12-31"]
    thirty = chart.categories.index("30y")
    assert [s.values[thirty] for s in chart.series] == [4.72, 4.54, 4.78]
    one_and_half = chart.categories.index("1.5m")
    assert chart.series[2].values[one_and_half] is None  # no 6-week bill in 2024: a gap, not a number


def test_curve_by_default_is_today_against_a_week_and_a_month_ago(registry):
    reply = ask(registry, "/deskbot curve")

    assert [s.label for s in reply.charts[0].series] == ["2025-04-11", "2025-04-04", "2025-03-11"]


def test_a_weekend_date_uses_the_close_before_it_and_says_so(registry):
    reply = ask(registry, "/deskbot curve 2025-04-05 vs 2025-03-28")

    assert "2025-04-05 is not a business day; showing the close of 2025-04-04." in reply.text


def test_a_30y_date_in_the_2002_2006_gap_says_why_there_is_no_close(registry):
    reply = ask(registry, "/deskbot yields 30y --as-of 2004-06-01")

    assert "no close on 2004-06-01; Treasury published none between 2002-02-15 and 2006-02-09" in reply.text
    assert reply.charts == ()


def test_stale_data_is_called_stale_with_the_reason(registry, upstream):
    for _ in range(12):
        upstream.fail_next("treasury_rates", 503)
    later = datetime(2026, 1, 7, 19, 0, tzinfo=DESK_TZ)

    reply = ask(registry, "/deskbot yields 10y", now=later)

    assert "close 2025-12-31" in reply.text
    assert ":warning: Stale: the latest close I have is 2025-12-31; Treasury should have published 2026-01-07" in (
        reply.text
    )
    assert "refresh failed: Treasury par yield curve is unavailable: it answered HTTP 503" in reply.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yields 0y", "`0y` is not a tenor. Tenors: 1m, 1.5m"),
        ("yields 99y", "`99y` is not a tenor."),
        ("yields 30y --as-of 2025-02-30", "`2025-02-30` is not a valid --as-of date"),
        ("yields --as-of 2030-01-01", "2030-01-01 is in the future; today is 2025-04-11."),
        ("yields --as-of 1950-01-01", "1950-01-01 is before the data, which starts 1962-01-02."),
        ("yields 30y --days NaN", "`--days` must be a whole number"),
        ("yields 30y --days 0", "`--days` must be between 1 and"),
        ("yields 30y --days 10 --since 2025-01-01", "Give either `--days` or `--since`, not both."),
        ("yields 30y --since", "`--since` needs a value."),
        ("yields 30y --bogus 1", "`--bogus` is not an option here"),
        ("curve 2025-04-09 vs yesterday", "`yesterday` is not a valid date"),
        ("curve 2025-04-09 vs 2025-04-08 vs 2025-04-07 vs 2025-04-04 vs 2025-04-03", "Compare at most 4 dates."),
    ],
)
def test_bad_input_gets_a_short_usage_message_with_an_example(registry, text, message):
    reply = ask(registry, text)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "Usage: `/deskbot " in reply.text and "For example: `/deskbot " in reply.text
    assert reply.charts == ()


def test_every_block_fits_slack(registry):
    for text in ("yields", "yields 1m 2y 5y 10y 20y 30y", "curve"):
        payload = message_payload(ask(registry, text))
        assert len(payload["blocks"]) <= 50
        for block in payload["blocks"]:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
        assert "Traceback" not in json.dumps(payload)


def test_the_rare_list_holds_only_moves_beyond_the_99th_percentile_and_says_so(registry):
    reply = ask(registry, "yields --as-of 2025-04-09")
    lines = reply.text.splitlines()
    start = lines.index("*Rare moves (beyond the 99th percentile either way):*")
    rare = [line for line in lines[start + 1 :] if line.startswith("• ")]

    assert rare, reply.text
    for line in rare:
        percentile = float(re.search(r"; ([0-9.]+)(?:st|nd|rd|th) percentile$", line).group(1))  # type: ignore[union-attr]
        assert percentile >= 99.0 or percentile <= 1.0, line
    assert not any("30y +31 bp over 3 days" in line for line in rare)  # 98.9th: large, not rare


def test_a_largest_since_never_reaches_silently_across_the_thirty_year_gap(registry):
    reply = ask(registry, "yields 30y --as-of 2006-02-10")

    assert "since 2002-02-12" not in reply.text
    assert "1 day         +4 bp    81.1  resumed 2006-02-09; before: 2002-02-12" in reply.text
    assert reply.text.splitlines()[1] == "*30y 4.55%*"  # an ordinary move leads with no claim
