"""Scheduled posts when things go wrong: a crash before Slack saw the post, lateness, Slack refusing."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.clock import ReplayClock
from bot.delivery import retry_handlers
from bot.demo.slack_workspace import SlackStandIn
from bot.scheduling.leader import LeaderLock
from bot.scheduling.scheduler import SchedulerService
from bot.storage.database import create_database
from bot.storage.ledger import Claim, PostLedger, State
from commands.schedule.model import Feed, Subscription
from market.tz import DESK_TZ
from tests.harness.scheduling import AUCTIONS, MANAGERS, build_stack

DAILY_0409 = f"daily:{MANAGERS}:2025-04-09"
SIX_PM = datetime(2025, 4, 9, 18, 0, tzinfo=DESK_TZ)


def _stack(tmp_path, slack: SlackStandIn):  # type: ignore[no-untyped-def]
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack)
    stack.subscriptions.put(Subscription(MANAGERS, Feed.DAILY, (), 60, "U0ADMIN"))
    return stack


def _daily_posts(slack: SlackStandIn) -> list[dict]:
    return [m for m in slack.messages[MANAGERS] if m["metadata"]["event_payload"]["key"] == DAILY_0409]


def test_a_claim_left_by_a_crash_before_slack_saw_it_is_posted_once_later(tmp_path, slack):
    stack = _stack(tmp_path, slack)
    assert stack.ledger.claim(DAILY_0409, MANAGERS, SIX_PM, SIX_PM) is Claim.NEW  # then the process died

    stack.scheduler.run_due(SIX_PM + timedelta(minutes=1))  # the claim is still fresh: left alone
    assert _daily_posts(slack) == []
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=3))  # stale: checked in the channel, then posted
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=4))

    assert len(_daily_posts(slack)) == 1
    assert stack.ledger.get(DAILY_0409).state is State.SENT
    assert len(slack.calls_to("conversations.history")) == 1


def test_a_post_more_than_ten_minutes_late_is_skipped_and_reported_in_the_next_summary(tmp_path, slack):
    stack = _stack(tmp_path, slack)

    stack.scheduler.run_due(SIX_PM + timedelta(minutes=15))  # the bot was down at 18:00

    assert _daily_posts(slack) == []
    record = stack.ledger.get(DAILY_0409)
    assert record.state is State.SKIPPED and record.detail == "15 min late; not posted stale"
    stack.scheduler.run_due(SIX_PM + timedelta(days=1))
    [thursday] = [m for m in slack.messages[MANAGERS] if "2025-04-10" in m["metadata"]["event_payload"]["key"]]
    assert "*Not posted (too late):* daily:C0MANAGERS:2025-04-09 (15 min late; not posted stale)" in thursday["text"]


def test_a_channel_that_refuses_gives_the_post_up_once_with_the_reason(tmp_path, slack, caplog):
    slack.channels[MANAGERS].bot_is_member = False
    stack = _stack(tmp_path, slack)

    stack.scheduler.run_due(SIX_PM)
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=5))

    record = stack.ledger.get(DAILY_0409)
    assert record.state is State.GIVEN_UP and record.detail == "Slack said not_in_channel"
    assert len(slack.calls_to("chat.postMessage", delivered_only=False)) == 1
    assert any("gave up on daily:C0MANAGERS:2025-04-09" in r.getMessage() for r in caplog.records)


def test_a_passing_slack_error_is_retried_once_and_then_posted(tmp_path, slack):
    slack.fail_next("chat.postMessage", "internal_error")
    stack = _stack(tmp_path, slack)

    stack.scheduler.run_due(SIX_PM)
    assert stack.ledger.get(DAILY_0409).state is State.CLAIMED
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=1))

    assert len(_daily_posts(slack)) == 1
    assert stack.ledger.get(DAILY_0409).state is State.SENT


def test_alerts_fire_once_per_condition_on_what_was_public_at_each_check(tmp_path, slack):
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack)
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.ALERTS, (), 60, "U0ADMIN"))
    april_10 = SIX_PM + timedelta(days=1)

    stack.scheduler.run_due(SIX_PM.replace(hour=13, minute=15))
    at_one_fifteen = [m["text"] for m in slack.messages[AUCTIONS]]
    # At 13:15 only the 04-08 close is out: of its moves, the 20y's +15 bp and the 20y's and 30y's
    # 3-day rises met a threshold.
    assert at_one_fifteen == [
        ":rotating_light: *Alert, as of 2025-04-09 13:15 ET:* 20y +15 bp on the day, as of the 2025-04-08 close "
        "(threshold ±15 bp)",
        ":rotating_light: *Alert, as of 2025-04-09 13:15 ET:* 20y +25 bp over 3 days to the 2025-04-08 close, "
        "99.3rd percentile of 3-day moves since 2005-04-08 (threshold 99th either way)",
        ":rotating_light: *Alert, as of 2025-04-09 13:15 ET:* 30y +22 bp over 3 days to the 2025-04-08 close, "
        "99th percentile of 3-day moves since 2006-02-14 (threshold 99th either way)",
    ]
    stack.scheduler.run_due(SIX_PM.replace(hour=18, minute=20))
    stack.scheduler.run_due(april_10.replace(hour=13, minute=15))  # still sees the 04-09 close: not posted again

    alerts = [m["text"] for m in slack.messages[AUCTIONS]]
    keys = sorted(m["metadata"]["event_payload"]["key"] for m in slack.messages[AUCTIONS])
    assert keys == [  # every coupon tenor is watched
        "alert:C0AUCTIONS:gauge:2025-04-10",
        "alert:C0AUCTIONS:move1d-20y:2025-04-08",
        "alert:C0AUCTIONS:move1d-2y:2025-04-09",
        "alert:C0AUCTIONS:move1d-3y:2025-04-09",
        "alert:C0AUCTIONS:move1d-5y:2025-04-09",
        "alert:C0AUCTIONS:move1d-7y:2025-04-09",
        "alert:C0AUCTIONS:move3d-10y:2025-04-09",
        "alert:C0AUCTIONS:move3d-20y:2025-04-08",
        "alert:C0AUCTIONS:move3d-20y:2025-04-09",
        "alert:C0AUCTIONS:move3d-2y:2025-04-09",
        "alert:C0AUCTIONS:move3d-30y:2025-04-08",
        "alert:C0AUCTIONS:move3d-30y:2025-04-09",
        "alert:C0AUCTIONS:move3d-3y:2025-04-09",
        "alert:C0AUCTIONS:move3d-5y:2025-04-09",
        "alert:C0AUCTIONS:move3d-7y:2025-04-09",
    ]
    assert (
        ":rotating_light: *Alert, as of 2025-04-09 18:20 ET:* 2y +20 bp on the day, as of the 2025-04-09 close "
        "(threshold ±15 bp)"
    ) in alerts
    assert (
        ":rotating_light: *Alert, as of 2025-04-09 18:20 ET:* 30y +31 bp over 3 days to the 2025-04-09 close, "
        "99.8th percentile of 3-day moves since 2006-02-14 (threshold 99th either way)"
    ) in alerts
    # The gauge reads 04-09's SOFR, published on the morning of 04-10: it is not in the evening check of 04-09.
    assert any("as of 2025-04-10 13:15 ET:* stress gauge 82/100 on 2025-04-10" in text for text in alerts)


def test_a_long_post_keeps_its_claim_fresh_so_no_one_takes_it_over(tmp_path, slack):
    stack = _stack(tmp_path, slack)
    other = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack, instance="other")
    assert stack.ledger.claim(DAILY_0409, MANAGERS, SIX_PM, SIX_PM) is Claim.NEW

    stack.ledger.touch(DAILY_0409, SIX_PM + timedelta(minutes=5))  # still working on it five minutes on

    assert other.ledger.claim(DAILY_0409, MANAGERS, SIX_PM, SIX_PM + timedelta(minutes=6)) is Claim.TAKEN
    assert other.ledger.claim(DAILY_0409, MANAGERS, SIX_PM, SIX_PM + timedelta(minutes=8)) is Claim.RECOVER


def test_an_alert_whose_answer_was_lost_is_found_in_the_channel_not_posted_again(tmp_path, slack):
    client = WebClient(token=slack.token, base_url=slack.api_url, timeout=1, retry_handlers=retry_handlers())
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack, client=client)
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.ALERTS, (), 60, "U0ADMIN"))
    slack.delay_next("chat.postMessage", 2.0)  # Slack posts the first alert but answers too late

    stack.scheduler.run_due(SIX_PM.replace(hour=18, minute=20))
    stack.scheduler.run_due((SIX_PM + timedelta(days=1)).replace(hour=13, minute=15))  # sees the 04-09 close again

    keys = [m["metadata"]["event_payload"]["key"] for m in slack.messages[AUCTIONS]]
    assert len(keys) == len(set(keys)) == 12  # eleven moves to the 04-09 close, then the gauge
    assert {stack.ledger.get(key).state for key in keys} == {State.SENT}
    assert len(slack.calls_to("conversations.history")) == 1


def test_a_claim_a_crash_left_moments_ago_is_taken_over_when_it_goes_stale_not_a_replan_later(tmp_path, slack):
    # A new leader that starts within the stale window finds the crashed claim still fresh. It must look
    # again when the claim goes stale, not at the next replan a minute later.
    url = f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
    stack = build_stack(url, slack, instance="survivor", stale_claim=timedelta(seconds=2))
    stack.subscriptions.put(Subscription(MANAGERS, Feed.DAILY, (), 60, "U0ADMIN"))
    clock = ReplayClock(SIX_PM + timedelta(seconds=1))
    crashed = PostLedger(create_database(url), "crashed", timedelta(seconds=2))
    assert crashed.claim(DAILY_0409, MANAGERS, SIX_PM, clock()) is Claim.NEW
    metadata = {"event_type": "deskbot_post", "event_payload": {"key": DAILY_0409}}
    WebClient(token=slack.token, base_url=slack.api_url).chat_postMessage(
        channel=MANAGERS, text="Daily summary", metadata=metadata
    )  # the crashed instance's post reached Slack; its answer never came back

    service = SchedulerService(stack.scheduler, LeaderLock(url), clock, leader_poll_seconds=0.2)
    started = time.monotonic()
    service.start()
    try:
        while stack.ledger.get(DAILY_0409).state is not State.SENT:
            assert time.monotonic() - started < 20, "not recovered within 20 s (the next replan is 60 s away)"
            time.sleep(0.1)
    finally:
        service.stop()

    assert stack.ledger.get(DAILY_0409).detail == "found after a restart"
    assert len(_daily_posts(slack)) == 1


def test_a_flash_that_reached_its_thread_before_a_crash_is_found_there_not_posted_again(tmp_path, slack):
    # Slack lists thread replies in conversations.replies, not conversations.history: recovery must look there.
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack)
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.BRIEFINGS, ("10y",), 60, "U0ADMIN"))
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.FLASH, ("10y",), 60, "U0ADMIN"))
    noon, close = SIX_PM.replace(hour=12), SIX_PM.replace(hour=13)
    stack.scheduler.run_due(noon)  # the briefing
    briefing = stack.ledger.get(f"briefing:{AUCTIONS}:10y:2025-04-09")
    flash_key = f"flash:{AUCTIONS}:10y:2025-04-09"
    crashed = PostLedger(create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"), "crashed")
    assert crashed.claim(flash_key, AUCTIONS, close, close) is Claim.NEW
    WebClient(token=slack.token, base_url=slack.api_url).chat_postMessage(
        channel=AUCTIONS,
        thread_ts=briefing.message_ts,
        text="Result: 10-year auction 2025-04-09",
        metadata={"event_type": "deskbot_post", "event_payload": {"key": flash_key}},
    )  # the flash reached its thread; the process died before its channel line

    stack.scheduler.run_due(close + timedelta(minutes=3))  # the claim is stale (2 minutes)

    keys = [m.get("metadata", {}).get("event_payload", {}).get("key") for m in slack.messages[AUCTIONS]]
    assert keys.count(flash_key) == 1
    assert keys.count(flash_key + ":line") == 1  # the missing line, posted once
    assert stack.ledger.get(flash_key).detail == "found after a restart"
    assert slack.calls_to("conversations.replies") and not slack.calls_to("conversations.history")


def _crash_after_the_message(tmp_path, slack: SlackStandIn) -> str:  # type: ignore[no-untyped-def]
    """A crashed instance claimed the daily and Slack shows its message; returns the message's ts."""
    crashed = PostLedger(create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"), "crashed")
    assert crashed.claim(DAILY_0409, MANAGERS, SIX_PM, SIX_PM) is Claim.NEW
    response = WebClient(token=slack.token, base_url=slack.api_url).chat_postMessage(
        channel=MANAGERS,
        text="Daily summary",
        metadata={"event_type": "deskbot_post", "event_payload": {"key": DAILY_0409}},
    )
    return str(response["ts"])


def test_a_post_found_after_a_crash_gets_its_missing_chart_once_in_its_thread(tmp_path, slack):
    stack = _stack(tmp_path, slack)
    ts = _crash_after_the_message(tmp_path, slack)  # the process died before the chart went up

    stack.scheduler.run_due(SIX_PM + timedelta(minutes=3))
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=4))

    assert len(_daily_posts(slack)) == 1
    assert stack.ledger.get(DAILY_0409).detail == "found after a restart"
    assert [(share["thread_ts"], share["name"]) for share in slack.file_shares] == [
        (ts, "curve_2025-04-09_2025-04-08.png")
    ]
    assert stack.ledger.get(f"{DAILY_0409}:chart0").state is State.SENT


def test_a_chart_shared_before_a_crash_is_found_in_the_thread_not_shared_again(tmp_path, slack):
    stack = _stack(tmp_path, slack)
    ts = _crash_after_the_message(tmp_path, slack)
    crashed = PostLedger(create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"), "crashed")
    assert crashed.claim(f"{DAILY_0409}:chart0", MANAGERS, SIX_PM, SIX_PM) is Claim.NEW
    WebClient(token=slack.token, base_url=slack.api_url).files_upload_v2(
        channel=MANAGERS, content=b"\x89PNG", filename="curve_2025-04-09_2025-04-08.png", title="Curve", thread_ts=ts
    )  # the chart reached the thread; the process died before noting it

    stack.scheduler.run_due(SIX_PM + timedelta(minutes=3))

    assert len(slack.file_shares) == 1
    chart = stack.ledger.get(f"{DAILY_0409}:chart0")
    assert (chart.state, chart.detail) == (State.SENT, "found after a restart")


class _Died(BaseException):
    """The process ending mid-post: no handler of the bot's may catch it."""


def test_a_flash_whose_instance_died_after_its_chart_gets_its_channel_line_once(tmp_path, slack):
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack)
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.BRIEFINGS, ("10y",), 60, "U0ADMIN"))
    stack.subscriptions.put(Subscription(AUCTIONS, Feed.FLASH, ("10y",), 60, "U0ADMIN"))
    noon, close = SIX_PM.replace(hour=12), SIX_PM.replace(hour=13)
    stack.scheduler.run_due(noon)  # the briefing
    flash_key = f"flash:{AUCTIONS}:10y:2025-04-09"
    delivery = stack.scheduler._runner._delivery
    shared = delivery.upload_charts

    def share_then_die(*args, **kwargs):  # type: ignore[no-untyped-def]
        shared(*args, **kwargs)
        raise _Died  # the chart is in the thread; the channel line never went out

    delivery.upload_charts = share_then_die
    try:
        stack.scheduler.run_due(close + timedelta(minutes=1))
    except _Died:
        pass
    delivery.upload_charts = shared
    assert stack.ledger.get(flash_key).state is State.CLAIMED  # not finished while a part is missing

    stack.scheduler.run_due(close + timedelta(minutes=4))  # the claim is stale: recovered

    keys = [m.get("metadata", {}).get("event_payload", {}).get("key") for m in slack.messages[AUCTIONS]]
    assert keys.count(flash_key) == 1
    assert keys.count(flash_key + ":line") == 1
    assert len(slack.file_shares) == 2  # the briefing's chart and the flash's, neither shared again
    assert stack.ledger.get(flash_key).state is State.SENT
