"""Scheduled posts: how late each one is over a replayed week, and the handover after the leader dies.

    python bench/schedule_bench.py [--speed 3600]

Runs real `deskbot serve` processes against the Slack stand-in on PostgreSQL
(127.0.0.1), replaying 2025-04-07 … 2025-04-11 on the shipped data with a fast
clock. Lateness is real seconds between when a post was due (translated to
real time) and when its chat.postMessage reached Slack. Targets: p99 ≤ 2 s;
handover well within a minute.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo.slack_workspace import SlackStandIn  # noqa: E402
from bot.storage.database import create_database  # noqa: E402
from bot.storage.ledger import PostLedger  # noqa: E402
from bot.storage.subscriptions import SqlSubscriptionStore  # noqa: E402
from commands.schedule.model import Feed, Subscription  # noqa: E402
from market.tz import DESK_TZ  # noqa: E402
from tests.conftest import POSTGRES_ADMIN_URL  # noqa: E402
from tests.harness.bot_process import BotProcess  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

START = datetime(2025, 4, 7, 6, 0, tzinfo=DESK_TZ)
END = datetime(2025, 4, 11, 19, 0, tzinfo=DESK_TZ)


def fresh_database() -> str:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"deskbot_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def subscribe(url: str) -> None:
    store = SqlSubscriptionStore(create_database(url))
    tenors = ("3y", "10y", "30y")
    store.put(Subscription("C0AUCTIONS", Feed.BRIEFINGS, tenors, 60, "bench"))
    store.put(Subscription("C0AUCTIONS", Feed.FLASH, tenors, 60, "bench"))
    store.put(Subscription("C0AUCTIONS", Feed.ALERTS, (), 60, "bench"))
    store.put(Subscription("C0MANAGERS", Feed.DAILY, (), 60, "bench"))
    store.put(Subscription("C0MANAGERS", Feed.WEEKLY, (), 60, "bench"))


def bot(slack: SlackStandIn, upstream: RecordedUpstream, url: str, args: tuple[str, ...], poll: str) -> BotProcess:
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.api_url,
        "DESKBOT_DATABASE_URL": url,
        "DESKBOT_LEADER_POLL_SECONDS": poll,
        **upstream.env(),
    }
    return BotProcess(env, workdir=Path(tempfile.mkdtemp(prefix="deskbot-bench-")), args=args)


def lateness(speed: float) -> None:
    url = fresh_database()
    subscribe(url)
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        epoch = time.time() + 10
        args = ("--as-of", START.strftime("%Y-%m-%dT%H:%M:%S"), "--speed", str(speed), "--started-at", str(epoch))
        wall_minus_monotonic = time.time() - time.monotonic()
        with bot(slack, upstream, url, args, "10"):
            time.sleep(max(0.0, epoch - time.time()) + (END - START).total_seconds() / speed + 5)
        ledger = PostLedger(create_database(url), "bench")
        records = {r.key: r for r in ledger.between(START, END)}
        late = []
        for call in slack.calls_to("chat.postMessage"):
            metadata = call.params.get("metadata")
            if not metadata:
                continue
            key = (
                json.loads(metadata)["event_payload"]["key"]
                if isinstance(metadata, str)
                else metadata["event_payload"]["key"]
            )
            base = key.removesuffix(":line")
            record = records.get(base) or records.get(key)
            if record is None:
                continue
            intended = epoch + (record.due_at - START).total_seconds() / speed
            late.append(call.at + wall_minus_monotonic - intended)
    late.sort()
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print(
        f"replayed week at {speed:g}x: {len(late)} scheduled posts; lateness p50 {statistics.median(late):.2f} s, "
        f"p99 {p99:.2f} s, max {late[-1]:.2f} s (target p99 ≤ 2 s)"
    )


def handover(poll: str) -> None:
    url = fresh_database()
    subscribe(url)
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        leader = bot(slack, upstream, url, (), poll).__enter__()
        follower = bot(slack, upstream, url, (), poll).__enter__()
        try:
            deadline = time.monotonic() + 60
            while "now runs the scheduler" not in leader.log() and time.monotonic() < deadline:
                time.sleep(0.05)
            killed = time.monotonic()
            leader.kill()
            while "now runs the scheduler" not in follower.log():
                if time.monotonic() - killed > 120:
                    print("handover: the follower did not take over within 120 s")
                    return
                time.sleep(0.05)
            print(f"handover after SIGKILL of the leader (leader poll {poll} s): {time.monotonic() - killed:.1f} s")
        finally:
            leader.stop()
            follower.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=3600.0)
    args = parser.parse_args()
    lateness(args.speed)
    for poll in ("1", "10"):
        handover(poll)


if __name__ == "__main__":
    main()
