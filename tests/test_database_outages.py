"""The database refused, silent or half-open: answers, acks and the scheduler's lock carry on.

PostgreSQL sits behind `TcpProxy`, which fails the way networks in front of a
database fail; the code under test makes its real connections through it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn
from bot.execution import DATABASE_UNAVAILABLE, execute
from bot.request_guard import ACK_DATABASE_BUDGET_SECONDS, SeenSignatures
from bot.scheduling.leader import LeaderLock
from bot.scheduling.scheduler import SchedulerService
from bot.storage.database import create_database
from bot.storage.health import DatabaseHealth
from bot.wiring import wire
from commands.context import CommandContext
from commands.reply import Outcome
from market.tz import DESK_TZ
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.signing import send_slash_command
from tests.harness.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    url = make_url(pg_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


def _asked_at(day: date, hour: int, minute: int = 0) -> CommandContext:
    now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ).astimezone(UTC)
    return CommandContext(now=now, user_id="U0TRADER", channel_id="C0DESK")


@pytest.mark.parametrize("fault", ["refuse", "partition"])
def test_market_answers_come_from_memory_and_say_so_while_the_database_is_away(
    fault, proxy, pg_url, upstream, tmp_path, caplog
):
    settings = Settings(
        **{**upstream.env(), "DESKBOT_DATABASE_URL": proxy.url_for(pg_url), "DESKBOT_DATA_DIR": str(tmp_path)},
        _env_file=None,  # type: ignore[call-arg]
    )
    wired = wire(settings)
    ctx = _asked_at(date(2025, 4, 9), 18, 30)
    before, _ref = execute("/deskbot yields 10y", ctx, wired.registry, wired.health)
    assert before.outcome is Outcome.OK and "Database unavailable" not in before.text

    getattr(proxy, fault)()
    assert wired.health.check_now() is False
    caplog.clear()
    started = time.monotonic()
    during, _ref = execute("/deskbot yields 10y", ctx, wired.registry, wired.health)
    subscriptions, ref = execute("/deskbot subscriptions", ctx, wired.registry, wired.health)

    assert time.monotonic() - started < 5
    assert during.outcome is Outcome.OK
    assert "Database unavailable — answering from data up to 2025-04-09" in during.text
    assert during.text.split("\n")[0] == before.text.split("\n")[0]  # the same headline, from memory
    assert subscriptions.text == DATABASE_UNAVAILABLE and ref is None
    assert "Something went wrong" not in during.text + subscriptions.text
    assert not [record for record in caplog.records if record.exc_info]  # an expected outage leaves no trace

    proxy.pass_through()
    _wait_until_answering(wired.health)
    after, _ref = execute("/deskbot yields 10y", ctx, wired.registry, wired.health)
    assert "Database unavailable" not in after.text


def test_the_replay_check_does_not_hold_the_ack_while_the_database_is_silent(proxy, pg_url):
    seen = SeenSignatures(create_database(proxy.url_for(pg_url)), purge_every=None)
    assert seen.first_sighting("v0=warm", int(time.time())) is True

    proxy.partition()
    waits = []
    for number in range(16):
        started = time.monotonic()
        assert seen.first_sighting(f"v0=during-{number}", int(time.time())) is True
        waits.append(time.monotonic() - started)
    assert max(waits) < ACK_DATABASE_BUDGET_SECONDS + 0.3, f"acks waited {max(waits):.2f} s on a silent database"
    assert seen.first_sighting("v0=during-3", int(time.time())) is False  # replays still refused, from memory
    proxy.pass_through()


def test_once_the_database_is_known_away_the_ack_does_not_wait_at_all(proxy, pg_url):
    sessions = create_database(proxy.url_for(pg_url))
    health = DatabaseHealth.for_engine(sessions.kw["bind"], deadline=0.5)
    seen = SeenSignatures(sessions, purge_every=None, health=health)
    proxy.partition()
    assert health.check_now() is False

    started = time.monotonic()
    for number in range(16):
        assert seen.first_sighting(f"v0=away-{number}", int(time.time())) is True
    assert time.monotonic() - started < 0.5
    proxy.pass_through()


def test_a_half_open_lock_connection_is_dropped_and_leadership_taken_back(proxy, pg_url, caplog):
    create_database(pg_url)
    leader = LeaderLock(proxy.url_for(pg_url), deadline_seconds=1.0)
    other = LeaderLock(pg_url, deadline_seconds=1.0)
    assert leader.hold() is True
    assert other.hold() is False

    proxy.half_open()  # the lock's backend lives on, holding the lock; this side hears nothing
    started = time.monotonic()
    assert leader.hold() is False
    assert time.monotonic() - started < 3
    assert "did not answer within 1 s" in (leader.last_error or "")
    assert other.hold() is False  # the orphaned backend still holds the lock

    caplog.set_level(logging.INFO, logger="bot.scheduling.leader")
    assert leader.hold() is True  # a new connection: the orphan is ended and the lock taken back
    assert "ended this instance's abandoned scheduler connection" in caplog.text
    assert other.hold() is False
    leader.release()
    assert other.hold() is True
    other.release()


def test_the_health_watchdog_sees_a_silent_database_within_its_deadline(proxy, pg_url):
    health = DatabaseHealth.for_engine(create_engine(proxy.url_for(pg_url)), deadline=0.5)
    assert health.check_now() is True
    proxy.partition()
    started = time.monotonic()
    assert health.check_now() is False
    assert time.monotonic() - started < 1.5
    assert health.available is False
    proxy.pass_through()
    _wait_until_answering(health)
    assert health.available is True


def _wait_until_answering(health: DatabaseHealth) -> None:
    """Ping as the watchdog does until the database answers (a silent ping is answered once the path heals)."""
    deadline = time.monotonic() + 10
    while not health.check_now():
        assert time.monotonic() < deadline, "the database was not seen to answer again"
        time.sleep(0.2)


def test_deskbot_serve_acks_and_answers_every_command_while_the_database_is_partitioned(proxy, pg_url, tmp_path):
    """16 commands sent into a silent database: each acked well within Slack's 3 s, each answered."""
    with SlackStandIn() as slack:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_DATABASE_URL": proxy.url_for(pg_url),
            "DESKBOT_SCHEDULER": "false",
        }
        with BotProcess(env, workdir=tmp_path) as bot:
            warm = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack.response_url("warm"))
            assert warm.status_code == 200
            slack.wait_for(RESPONSE_URL, key="warm", timeout=15)

            proxy.partition()
            acks = []
            with httpx.Client(timeout=10) as client:
                for number in range(16):
                    text_ = "help" if number % 2 else "curve"
                    started = time.monotonic()
                    response = send_slash_command(
                        bot.events_url, SIGNING_SECRET, text_, slack.response_url(f"cut-{number}"), client=client
                    )
                    acks.append(time.monotonic() - started)
                    assert response.status_code == 200
                    time.sleep(0.5)
            # Until the watchdog sees the silence (within about 3.5 s) an ack waits at most the budget;
            # after that it does not wait at all.
            assert max(acks) < ACK_DATABASE_BUDGET_SECONDS + 0.5, f"slowest ack {max(acks):.2f} s"
            assert max(acks[-8:]) < 0.5, f"acks after the first 4 s: {[round(a, 2) for a in acks[-8:]]}"
            for number in range(16):
                answer = slack.wait_for(RESPONSE_URL, key=f"cut-{number}", timeout=15)[0].params
                assert "Something went wrong" not in answer["text"]
            log = bot.log()
            assert "the database is unavailable" in log
            assert "Traceback" not in log
            proxy.pass_through()


class _LastPlan:
    """The one thing the service asks of its scheduler while it cannot lead: the posts due in a span."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def due_between(self, start: datetime, end: datetime) -> list[SimpleNamespace]:
        return [SimpleNamespace(key=key) for key in self.keys]


def test_an_instance_that_cannot_lead_says_so_loudly_with_the_posts_due(proxy, pg_url, caplog):
    create_database(pg_url)
    lock = LeaderLock(proxy.url_for(pg_url), deadline_seconds=0.5)
    due = ["briefing:C0AUCTIONS:10y:2025-04-09"]
    service = SchedulerService(
        _LastPlan(due),  # type: ignore[arg-type]
        lock,
        lambda: datetime(2025, 4, 9, 16, 0, tzinfo=UTC),
        leader_poll_seconds=0.2,
    )
    proxy.partition()
    caplog.set_level(logging.ERROR, logger="bot.scheduling.scheduler")
    service.start()
    try:
        deadline = time.monotonic() + 10
        while "NO SCHEDULER" not in caplog.text:
            assert time.monotonic() < deadline, "no instance said it cannot lead"
            time.sleep(0.1)
        time.sleep(2)  # several polls later: still one line, not one per poll
    finally:
        service.stop()
        proxy.pass_through()
    lines = [record.getMessage() for record in caplog.records if "NO SCHEDULER" in record.getMessage()]
    assert len(lines) == 1
    assert "did not answer within 0.5 s" in lines[0]
    assert "briefing:C0AUCTIONS:10y:2025-04-09" in lines[0]


def test_a_pooled_connection_gone_half_open_is_given_up_and_a_new_one_answers(proxy, pg_url):
    sessions = create_database(proxy.url_for(pg_url))
    engine = sessions.kw["bind"]
    with engine.connect() as connection:  # one connection now waits in the pool
        connection.execute(text("SELECT 1"))
    proxy.half_open()  # it will never hear back; new connections relay

    started = time.monotonic()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 2")).scalar() == 2
    assert time.monotonic() - started < 5
    proxy.reset_abandoned()
