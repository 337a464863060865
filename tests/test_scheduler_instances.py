"""`deskbot serve` processes on the real PostgreSQL: a crash mid-post, two instances, a dead leader."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import datetime

from bot.demo.slack_workspace import SlackStandIn
from bot.storage.database import create_database
from bot.storage.ledger import PostLedger, State
from bot.storage.subscriptions import SqlSubscriptionStore
from commands.schedule.model import Feed, Subscription
from tests.harness.bot_process import BotProcess
from tests.harness.upstream import RecordedUpstream

AUCTIONS = "C0AUCTIONS"
BRIEFING = f"briefing:{AUCTIONS}:10y:2025-04-09"
FLASH = f"flash:{AUCTIONS}:10y:2025-04-09"


def _subscribe(url: str) -> PostLedger:
    sessions = create_database(url)
    SqlSubscriptionStore(sessions).put(Subscription(AUCTIONS, Feed.BRIEFINGS, ("10y",), 60, "U0ADMIN"))
    SqlSubscriptionStore(sessions).put(Subscription(AUCTIONS, Feed.FLASH, ("10y",), 60, "U0ADMIN"))
    return PostLedger(sessions, "observer")


def _bot(slack: SlackStandIn, upstream: RecordedUpstream, url: str, tmp_path, args: tuple[str, ...]) -> BotProcess:  # type: ignore[no-untyped-def]
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.api_url,
        "DESKBOT_DATABASE_URL": url,
        "DESKBOT_STALE_CLAIM_SECONDS": "2",
        "DESKBOT_LEADER_POLL_SECONDS": "1",
        **upstream.env(),
    }
    workdir = tmp_path / uuid.uuid4().hex[:8]
    workdir.mkdir()
    return BotProcess(env, workdir=workdir, args=args)


def _posted(slack: SlackStandIn, key: str) -> int:
    return sum(1 for m in slack.messages[AUCTIONS] if m.get("metadata", {}).get("event_payload", {}).get("key") == key)


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_sigkill_between_claim_and_send_ends_with_one_post(pg_url, slack, upstream, tmp_path):
    ledger = _subscribe(pg_url)
    slack.delay_next("chat.postMessage", 30)  # the post lands, the answer never reaches the bot
    # Both runs share one replay clock, as a restarted process shares the wall clock.
    replay = ("--as-of", "2025-04-09T11:59:50", "--speed", "1", "--started-at", str(time.time()))

    first = _bot(slack, upstream, pg_url, tmp_path, replay).__enter__()
    try:
        _wait(lambda: _posted(slack, BRIEFING) == 1, 60, "the briefing to reach Slack")
        first.kill()
    finally:
        first.stop()
    assert ledger.get(BRIEFING).state is State.CLAIMED  # claimed, never marked sent

    with _bot(slack, upstream, pg_url, tmp_path, replay):
        _wait(lambda: (ledger.get(BRIEFING) or None) and ledger.get(BRIEFING).state is State.SENT, 60, "recovery")

    assert _posted(slack, BRIEFING) == 1
    assert ledger.get(BRIEFING).detail == "found after a restart"


def test_two_instances_post_once_and_the_survivor_takes_over_within_a_minute(pg_url, slack, upstream, tmp_path):
    ledger = _subscribe(pg_url)
    # Both clocks read 11:59 at the same real moment, once both have started and loaded their histories
    # (about 10 s on a busy 2-core machine; the replay runs at 120x, so 5 real seconds late is a skipped post).
    started = time.time() + 25
    replay = ("--as-of", "2025-04-09T11:59:00", "--speed", "120", "--started-at", str(started))

    leader = _bot(slack, upstream, pg_url, tmp_path, replay).__enter__()
    follower = _bot(slack, upstream, pg_url, tmp_path, replay).__enter__()
    try:
        _wait(lambda: _posted(slack, BRIEFING) == 1, 60, "the briefing")
        killed_at = time.monotonic()
        leader.kill()
        _wait(lambda: "this instance now runs the scheduler" in follower.log(), 60, "the follower to lead")
        handover = time.monotonic() - killed_at
        _wait(lambda: _posted(slack, FLASH) == 1, 90, "the flash from the new leader")
        time.sleep(2)
    finally:
        leader.stop()
        follower.stop()

    assert handover < 60
    keys = Counter(m["metadata"]["event_payload"]["key"] for m in slack.messages[AUCTIONS] if "metadata" in m)
    assert keys[BRIEFING] == 1 and keys[FLASH] == 1 and keys[FLASH + ":line"] == 1
    assert ledger.get(FLASH).state is State.SENT
    assert "this instance now runs the scheduler" in leader.log()
    assert datetime.now().year > 2000
