"""The week of 2025-04-07 replayed on shipped data with a test clock: every post once, on time, in place."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.demo.slack_workspace import SlackStandIn
from bot.storage.ledger import State
from market.tz import DESK_TZ
from tests.harness.scheduling import AUCTIONS, MANAGERS, build_stack, subscribe_the_desk

STEP = timedelta(minutes=5)


def _keys(slack: SlackStandIn, channel: str) -> list[str]:
    return [
        message["metadata"]["event_payload"]["key"]
        for message in slack.messages[channel]
        if message.get("metadata", {}).get("event_type") == "deskbot_post"
    ]


def _replay(stacks, start: datetime, end: datetime) -> None:  # type: ignore[no-untyped-def]
    now = start
    while now <= end:
        # Every instance runs the same schedule at the same moment, as two processes would.
        threads = [threading.Thread(target=stack.scheduler.run_due, args=(now,)) for stack in stacks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        now += STEP


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    """One Slack for the whole replayed week (the replay runs once for this module)."""
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, slack: SlackStandIn):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'deskbot.sqlite3'}"
    first = build_stack(url, slack, "instance-a")
    second = build_stack(url, slack, "instance-b")
    subscribe_the_desk(first.subscriptions)
    _replay(
        [first, second],
        datetime(2025, 4, 6, 12, 0, tzinfo=DESK_TZ),
        datetime(2025, 4, 11, 23, 55, tzinfo=DESK_TZ),
    )
    return first


def test_the_auction_week_posts_each_preview_briefing_and_flash_once_in_place(replayed, slack: SlackStandIn):
    keys = _keys(slack, AUCTIONS)

    expected = []
    for tenor, day, _before in (
        ("3y", "2025-04-08", "2025-04-07"),
        ("10y", "2025-04-09", "2025-04-08"),
        ("30y", "2025-04-10", "2025-04-09"),
    ):
        expected += [f"preview:{AUCTIONS}:{tenor}:{day}", f"briefing:{AUCTIONS}:{tenor}:{day}"]
        expected += [f"flash:{AUCTIONS}:{tenor}:{day}", f"flash:{AUCTIONS}:{tenor}:{day}:line"]
    assert Counter(keys) == Counter(expected)  # each exactly once, nothing else

    ledger = replayed.ledger
    for tenor, day, before in (
        ("3y", "2025-04-08", "2025-04-07"),
        ("10y", "2025-04-09", "2025-04-08"),
        ("30y", "2025-04-10", "2025-04-09"),
    ):
        preview = ledger.get(f"preview:{AUCTIONS}:{tenor}:{day}")
        briefing = ledger.get(f"briefing:{AUCTIONS}:{tenor}:{day}")
        flash = ledger.get(f"flash:{AUCTIONS}:{tenor}:{day}")
        assert preview.due_at == datetime.fromisoformat(f"{before}T16:00").replace(tzinfo=DESK_TZ)
        assert briefing.due_at == datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=DESK_TZ)
        assert flash.due_at == datetime.fromisoformat(f"{day}T13:00").replace(tzinfo=DESK_TZ)
        assert {preview.state, briefing.state, flash.state} == {State.SENT}
        # The flash is a reply in the briefing's thread; the short line goes to the channel.
        posted = {m["ts"]: m for m in slack.messages[AUCTIONS]}
        assert posted[flash.message_ts]["thread_ts"] == briefing.message_ts
        [line] = [m for m in posted.values() if m["metadata"]["event_payload"]["key"].endswith(f"{tenor}:{day}:line")]
        assert "thread_ts" not in line


def test_the_flash_carries_the_result_a_desk_remembers(replayed, slack: SlackStandIn):
    texts = {m["metadata"]["event_payload"]["key"]: m["text"] for m in slack.messages[AUCTIONS] if "metadata" in m}

    ten = texts[f"flash:{AUCTIONS}:10y:2025-04-09"]
    assert "10-year auction 2025-04-09: strong" in ten
    assert "*4.435%*" in ten and "*2.67x*" in ten and "dealers *10.7%*" in ten and "indirects *87.9%*" in ten
    thirty = texts[f"flash:{AUCTIONS}:30y:2025-04-10:line"]
    assert thirty.startswith(":white_circle: Result: 30-year auction 2025-04-10")  # the grade's colour
    assert thirty.endswith("details in the thread.")
    briefing = texts[f"briefing:{AUCTIONS}:30y:2025-04-10"]
    assert "*The last 6 30y auctions:*" in briefing and "Stress gauge" in briefing


def test_each_business_day_gets_one_daily_summary_at_six(replayed, slack: SlackStandIn):
    keys = _keys(slack, MANAGERS)

    days = ["2025-04-07", "2025-04-08", "2025-04-09", "2025-04-10", "2025-04-11"]
    assert keys == [f"daily:{MANAGERS}:{day}" for day in days]
    for day in days:
        record = replayed.ledger.get(f"daily:{MANAGERS}:{day}")
        assert record.due_at == datetime.fromisoformat(f"{day}T18:00").replace(tzinfo=DESK_TZ)
    wednesday = next(m for m in slack.messages[MANAGERS] if "2025-04-09" in m["text"][:40])
    assert "Wed 10-year: 4.435%, 2.67x, dealers 10.7%, indirects 87.9% — strong" in wednesday["text"]


def test_charts_go_up_with_files_v2_in_the_posts_thread(replayed, slack: SlackStandIn):
    completes = slack.calls_to("files.completeUploadExternal")
    channels = Counter(call.params["channel_id"] for call in completes)

    assert channels[AUCTIONS] == 6  # a chart with each briefing and each flash
    assert channels[MANAGERS] == 5  # one with each daily summary
    assert all(call.params.get("thread_ts") for call in completes)


def test_replaying_again_posts_nothing_more(replayed, slack: SlackStandIn):
    before = len(slack.calls_to("chat.postMessage"))

    replayed.scheduler.run_due(datetime(2025, 4, 11, 23, 59, tzinfo=DESK_TZ))

    assert len(slack.calls_to("chat.postMessage")) == before


def test_good_friday_has_no_daily_summary_and_the_week_ends_on_thursday(tmp_path):
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", SlackStandIn())
    subscribe_the_desk(stack.subscriptions)
    from commands.schedule.model import Feed, Subscription

    stack.subscriptions.put(Subscription(MANAGERS, Feed.WEEKLY, (), 60, "U0ADMIN"))

    keys = {post.key for post in stack.scheduler.plan(datetime(2025, 4, 16, 9, 0, tzinfo=DESK_TZ))}

    assert f"daily:{MANAGERS}:2025-04-17" in keys
    assert f"daily:{MANAGERS}:2025-04-18" not in keys  # Good Friday: SIFMA closed
    assert f"weekly:{MANAGERS}:2025-04-17" in keys
    assert json.dumps(sorted(k for k in keys if k.startswith("weekly"))) == json.dumps(
        [f"weekly:{MANAGERS}:2025-04-17"]
    )
