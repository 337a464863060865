"""A misbehaving Slack: 429 storms, a dead token, refused channels and blocks, an expired reply link, slow uploads.

Each fault is played by the Slack stand-in over real HTTP; the tests check
what reached Slack (one message per command or post), what the asker was
told, the ledger and the log.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.clock import frozen_clock
from bot.delivery import EXPIRED_NOTE, SlackDelivery, retry_handlers
from bot.demo.slack_workspace import RESPONSE_URL, UPLOAD, SlackStandIn
from bot.execution import execute
from bot.slack_app import SlashCommandHandler
from bot.storage.command_log import CommandLog
from bot.storage.database import create_database
from bot.storage.ledger import State
from charts.specs import LineChart, Series
from commands.context import CommandContext
from commands.dispatch import build_registry
from commands.reply import Reply
from commands.schedule.model import Feed, Subscription
from market.tz import DESK_TZ
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.scheduling import MANAGERS, Stack, build_stack
from tests.harness.signing import send_slash_command
from tests.harness.upstream import RecordedUpstream

NOON = datetime(2025, 4, 9, 12, 0, tzinfo=DESK_TZ)
SIX_PM = datetime(2025, 4, 9, 18, 0, tzinfo=DESK_TZ)
DAILY_0409 = f"daily:{MANAGERS}:2025-04-09"
TOKEN_REFUSED = "Slack refused deskbot's token (invalid_auth)"
INVITE_NOTE = ":frame_with_picture: I can't post charts here yet: invite me with `/invite @deskbot`, then ask again."
SLOW_NOTE = ":frame_with_picture: Slack took too long to take the chart, so it is missing; ask again in a minute."
AUTH_NOTE = ":frame_with_picture: I can't post charts right now: Slack refused my access. Please tell your Slack admin."
CHART = LineChart(
    title="UST 30Y yield, April 2025",
    series=(Series("30Y", ((NOON.date() - timedelta(days=2), 4.63), (NOON.date(), 4.85))),),
    y_label="%",
    filename="ust30y.png",
)


@pytest.fixture(scope="module")
def workspace() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def slack(workspace: SlackStandIn) -> SlackStandIn:
    """One stand-in server for the module, fresh for each test."""
    workspace.reset()
    return workspace


def _client(slack: SlackStandIn, timeout: int = 5) -> WebClient:
    """Configured like `create_web_client`, with a short timeout for the slow-Slack cases."""
    return WebClient(token=slack.token, base_url=slack.api_url, timeout=timeout, retry_handlers=retry_handlers())


def _messages(caplog: pytest.LogCaptureFixture, level: str = "WARNING") -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == level and r.name.startswith("bot.")]


def _statuses(slack: SlackStandIn, method: str, key: str | None = None) -> list[int]:
    return [call.status for call in slack.calls_to(method, key=key, delivered_only=False)]


# -- slash commands answered through response_url --------------------------------------------


class _Desk:
    """The slash-command path after the ack, with a real command log on SQLite."""

    def __init__(self, slack: SlackStandIn, tmp_path, timeout: int = 5) -> None:  # type: ignore[no-untyped-def]
        self.slack = slack
        self.log = CommandLog(create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"))
        self.delivery = SlackDelivery(_client(slack, timeout))
        self.handler = SlashCommandHandler(build_registry(), self.delivery, self.log, frozen_clock(NOON))

    def ask(self, text: str, key: str, channel: str = "C0DESK") -> None:
        self.handler(
            {
                "command": "/deskbot",
                "text": text,
                "user_id": "U0TRADER",
                "channel_id": channel,
                "team_id": "T0DESK",
                "response_url": self.slack.response_url(key),
            }
        )

    def delivered(self) -> bool:
        [record] = self.log.recent()
        return record.delivered


def _help_text() -> str:
    ctx = CommandContext(now=NOON, user_id="U0TRADER", channel_id="C0DESK")
    return execute("help", ctx, build_registry())[0].text


def test_a_429_storm_on_the_response_url_is_waited_out_and_the_answer_lands_once(slack, tmp_path):
    desk = _Desk(slack, tmp_path)
    slack.rate_limit_next(RESPONSE_URL, retry_after=0, count=3)

    desk.ask("help", "storm")

    assert _statuses(slack, RESPONSE_URL, "storm") == [429, 429, 429, 200]
    assert desk.delivered() is True


def test_a_server_error_on_the_response_url_is_retried(slack, tmp_path):
    desk = _Desk(slack, tmp_path)
    slack.fail_next(RESPONSE_URL, "internal_error")

    desk.ask("help", "5xx")

    assert _statuses(slack, RESPONSE_URL, "5xx") == [500, 200]
    assert desk.delivered() is True


def test_a_storm_longer_than_the_retries_is_logged_and_recorded_as_not_delivered(slack, tmp_path, caplog):
    desk = _Desk(slack, tmp_path)
    slack.rate_limit_next(RESPONSE_URL, retry_after=0, count=4)

    desk.ask("help", "long-storm")

    assert _statuses(slack, RESPONSE_URL, "long-storm") == [429, 429, 429, 429]
    assert desk.delivered() is False
    assert _messages(caplog) == [
        'the answer could not be delivered: the reply link answered HTTP 429: {"ok": false, "error": "ratelimited"}'
    ]


def test_blocks_the_response_url_refuses_are_resent_as_plain_text(slack, caplog):
    delivery = SlackDelivery(_client(slack))
    too_many = Reply(text="10Y 4.49%, 2s10s +52 bp", blocks=tuple({"type": "divider"} for _ in range(51)))

    assert delivery.respond(slack.response_url("blocks"), too_many, "C0DESK", "U0TRADER") is True

    attempts = slack.calls_to(RESPONSE_URL, key="blocks", delivered_only=False)
    assert [call.status for call in attempts] == [400, 200]
    assert attempts[1].params == {"text": "10Y 4.49%, 2s10s +52 bp", "response_type": "ephemeral"}
    assert "Slack refused the answer's blocks (HTTP 400: invalid_blocks); sending it as plain text" in _messages(caplog)


def test_scripted_invalid_blocks_on_the_response_url_also_falls_back_to_text(slack, tmp_path):
    desk = _Desk(slack, tmp_path)
    slack.fail_next(RESPONSE_URL, "invalid_blocks")

    desk.ask("help", "scripted-blocks")

    [delivered] = slack.calls_to(RESPONSE_URL, key="scripted-blocks")
    assert "blocks" not in delivered.params
    assert delivered.params["text"] == _help_text()
    assert desk.delivered() is True


@pytest.mark.parametrize("error", ["expired_url", "used_url"])
def test_an_expired_response_url_answers_the_asker_privately_in_the_channel(slack, tmp_path, caplog, error):
    desk = _Desk(slack, tmp_path)
    slack.expire_response_url("late", error)

    desk.ask("help", "late")

    assert _statuses(slack, RESPONSE_URL, "late") == [404]
    [note] = slack.calls_to("chat.postEphemeral")
    assert (note.params["channel"], note.params["user"]) == ("C0DESK", "U0TRADER")
    assert note.params["text"] == f"{EXPIRED_NOTE}\n\n{_help_text()}"
    assert EXPIRED_NOTE == "_Slack's reply link for your command had expired, so this answer is only visible to you._"
    assert desk.delivered() is True
    logged = _messages(caplog)
    body = "Expired url" if error == "expired_url" else "used_url"
    assert f"the reply link had expired (HTTP 404: {body}); answering privately instead" in logged
    assert not any("http" in line for line in _messages(caplog, "INFO") + logged)


def test_an_expired_response_url_with_a_chart_says_to_ask_again_and_shares_no_orphan_chart(slack):
    delivery = SlackDelivery(_client(slack))
    slack.expire_response_url("late-chart")

    assert delivery.respond(slack.response_url("late-chart"), Reply("30Y chart", charts=(CHART,)), "C0DESK", "U0T")

    [note] = slack.calls_to("chat.postEphemeral")
    assert (
        note.params["text"] == f"{EXPIRED_NOTE}\n_Ask again to share it with the channel, chart included._\n\n30Y chart"
    )
    assert slack.file_shares == []


def test_an_expired_response_url_where_the_bot_cannot_speak_is_logged_as_lost(slack, tmp_path, caplog):
    desk = _Desk(slack, tmp_path)
    slack.expire_response_url("late-quiet")

    desk.ask("help", "late-quiet", channel="C0QUIET")

    [refused] = slack.calls_to("chat.postEphemeral")  # Slack answers ok: false, not_in_channel
    assert refused.params["channel"] == "C0QUIET"
    assert desk.delivered() is False
    assert "the answer to U0TRADER in C0QUIET was lost: chat.postEphemeral said not_in_channel" in _messages(caplog)


def test_a_dead_token_still_answers_through_the_response_url_and_tells_the_operator_once(slack, caplog):
    delivery = SlackDelivery(_client(slack))
    slack.revoke_token()

    assert delivery.respond(slack.response_url("revoked"), Reply("30Y chart", charts=(CHART,)), "C0DESK") is True

    texts = [call.params["text"] for call in slack.calls_to(RESPONSE_URL, key="revoked")]
    assert texts == ["30Y chart", AUTH_NOTE]
    assert slack.file_shares == []
    [loud] = _messages(caplog, "ERROR")
    assert loud.startswith(TOKEN_REFUSED + " while sharing a chart in C0DESK")
    assert "SLACK_BOT_TOKEN" in loud


def test_an_expired_response_url_and_a_dead_token_lose_the_answer_loudly(slack, tmp_path, caplog):
    desk = _Desk(slack, tmp_path)
    slack.expire_response_url("late-revoked")
    slack.revoke_token("token_revoked")

    desk.ask("help", "late-revoked")

    assert desk.delivered() is False
    [loud] = _messages(caplog, "ERROR")
    assert loud.startswith("Slack refused deskbot's token (token_revoked) while answering U0TRADER privately")


# -- charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "reason"), [("C0QUIET", "not_in_channel"), ("C0GONE", "channel_not_found")])
def test_a_chart_the_channel_refuses_leaves_the_answer_and_says_how_to_invite(slack, caplog, channel, reason):
    delivery = SlackDelivery(_client(slack))

    assert delivery.respond(slack.response_url("refused"), Reply("30Y chart", charts=(CHART,)), channel) is True

    posts = slack.calls_to(RESPONSE_URL, key="refused")
    assert [(p.params["text"], p.params["response_type"]) for p in posts] == [
        ("30Y chart", "in_channel"),
        (INVITE_NOTE, "ephemeral"),
    ]
    assert f"chart upload to {channel} refused: {reason}" in _messages(caplog)


def test_a_slow_upload_times_out_and_the_answer_stands_with_a_private_note(slack, caplog):
    delivery = SlackDelivery(_client(slack, timeout=1))
    slack.delay_next(UPLOAD, 3)

    started = time.monotonic()
    assert delivery.respond(slack.response_url("slow"), Reply("30Y chart", charts=(CHART,)), "C0DESK") is True
    elapsed = time.monotonic() - started

    assert elapsed < 2.5  # bounded by the client's timeout, not by Slack
    texts = [call.params["text"] for call in slack.calls_to(RESPONSE_URL, key="slow")]
    assert texts == ["30Y chart", SLOW_NOTE]
    assert slack.calls_to("files.completeUploadExternal") == [] and slack.file_shares == []
    assert "chart upload to C0DESK timed out after 1 s" in _messages(caplog)


# -- scheduled posts through the ledger ------------------------------------------------------


def _stack(tmp_path, slack: SlackStandIn, timeout: int = 5) -> Stack:  # type: ignore[no-untyped-def]
    stack = build_stack(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}", slack, client=_client(slack, timeout))
    stack.subscriptions.put(Subscription(MANAGERS, Feed.DAILY, (), 60, "U0ADMIN"))
    return stack


def _daily_posts(slack: SlackStandIn) -> list[dict]:
    return [m for m in slack.messages[MANAGERS] if m["metadata"]["event_payload"]["key"] == DAILY_0409]


def test_a_429_storm_on_a_scheduled_post_keeps_it_claimed_until_it_is_posted_once(tmp_path, slack):
    stack = _stack(tmp_path, slack)
    slack.rate_limit_next("chat.postMessage", retry_after=0, count=4)  # outlasts one pass's three retries

    stack.scheduler.run_due(SIX_PM)
    record = stack.ledger.get(DAILY_0409)
    assert (record.state, record.detail) == (State.CLAIMED, "Slack said ratelimited")
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=1))
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=2))

    assert len(_daily_posts(slack)) == 1
    assert stack.ledger.get(DAILY_0409).state is State.SENT
    assert _statuses(slack, "chat.postMessage") == [429] * 4 + [200]


@pytest.mark.parametrize("fault", ["channel_not_found", "invalid_auth"])
def test_a_scheduled_post_slack_will_never_take_is_given_up_with_the_reason(tmp_path, slack, caplog, fault):
    stack = _stack(tmp_path, slack)
    if fault == "channel_not_found":
        del slack.channels[MANAGERS]
    else:
        slack.revoke_token()

    stack.scheduler.run_due(SIX_PM)
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=5))

    record = stack.ledger.get(DAILY_0409)
    assert (record.state, record.detail) == (State.GIVEN_UP, f"Slack said {fault}")
    assert len(slack.calls_to("chat.postMessage", delivered_only=False)) == 1
    [loud] = _messages(caplog, "ERROR")
    if fault == "invalid_auth":
        assert loud.startswith(f"{TOKEN_REFUSED} while posting {DAILY_0409}; gave up on it")
    else:
        assert loud == f"gave up on {DAILY_0409}: Slack said channel_not_found"


def test_blocks_refused_on_a_scheduled_post_are_posted_once_as_plain_text(tmp_path, slack, caplog):
    stack = _stack(tmp_path, slack)
    slack.fail_next("chat.postMessage", "invalid_blocks")

    stack.scheduler.run_due(SIX_PM)
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=1))

    [post] = _daily_posts(slack)
    assert "blocks" not in post and post["text"].startswith("Daily summary — 2025-04-09 (Wed)\n")
    attempts = slack.calls_to("chat.postMessage", delivered_only=False)
    assert [json.loads(a.body).get("blocks") is not None for a in attempts] == [True, False]
    record = stack.ledger.get(DAILY_0409)
    assert (record.state, record.detail) == (State.SENT, "posted as plain text (Slack refused the blocks)")
    assert any("Slack refused the blocks of " + DAILY_0409 in line for line in _messages(caplog))


def test_a_post_slack_made_but_never_confirmed_is_found_in_the_channel_not_posted_again(tmp_path, slack, caplog):
    stack = _stack(tmp_path, slack, timeout=1)
    slack.delay_next("chat.postMessage", 3)  # posted at once; the answer comes after the bot gave up

    stack.scheduler.run_due(SIX_PM)
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=3))

    assert len(_daily_posts(slack)) == 1
    assert len(slack.calls_to("chat.postMessage", delivered_only=False)) == 1
    record = stack.ledger.get(DAILY_0409)
    assert (record.state, record.detail) == (State.SENT, "found after a lost answer")
    assert record.message_ts == _daily_posts(slack)[0]["ts"]
    assert f"{DAILY_0409}: Slack's answer was lost (TimeoutError) but the post is in the channel" in _messages(caplog)


def test_a_chart_that_fails_on_a_scheduled_post_leaves_the_post_sent_once(tmp_path, slack, caplog):
    stack = _stack(tmp_path, slack)
    slack.fail_next("files.completeUploadExternal", "not_in_channel")

    stack.scheduler.run_due(SIX_PM)
    stack.scheduler.run_due(SIX_PM + timedelta(minutes=3))

    assert len(_daily_posts(slack)) == 1
    assert slack.file_shares == []
    assert stack.ledger.get(DAILY_0409).state is State.SENT
    chart = stack.ledger.get(f"{DAILY_0409}:chart0")  # each chart is its own entry: given up, not retried
    assert (chart.state, chart.detail) == (State.GIVEN_UP, "chart not posted: not_in_channel")
    assert f"{DAILY_0409} was posted in {MANAGERS} without its chart: not_in_channel" in _messages(caplog)


# -- end to end: `deskbot serve` ----------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotProcess, SlackStandIn]]:
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, **upstream.env()}
        with BotProcess(env, workdir=tmp_path_factory.mktemp("faults")) as bot:
            yield bot, slack


def test_serve_answers_privately_when_the_response_url_has_expired(served):
    bot, slack = served
    slack.expire_response_url("e2e-late")

    assert send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack.response_url("e2e-late")).status_code == 200

    slack.wait_for("chat.postEphemeral")
    [note] = [call for call in slack.calls_to("chat.postEphemeral") if EXPIRED_NOTE in call.params["text"]]
    assert (note.params["channel"], note.params["user"]) == ("C0DESK", "U0TRADER")
    assert note.params["text"].startswith(EXPIRED_NOTE + "\n\n")
    assert "/deskbot help" in note.params["text"]
    assert _statuses(slack, RESPONSE_URL, "e2e-late") == [404]
    [line] = [line for line in bot.log().splitlines() if "the reply link had expired" in line]
    assert "http" not in line


def test_serve_delivers_once_through_a_429_storm_on_the_response_url(served):
    bot, slack = served
    slack.rate_limit_next(RESPONSE_URL, retry_after=0, count=3)

    send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack.response_url("e2e-storm"))

    slack.wait_for(RESPONSE_URL, key="e2e-storm")
    time.sleep(1.0)  # a duplicate would arrive within this window
    assert _statuses(slack, RESPONSE_URL, "e2e-storm") == [429, 429, 429, 200]


def test_serve_keeps_acking_and_answering_while_a_chart_upload_is_slow(served):
    bot, slack = served
    slack.delay_next(UPLOAD, 4)
    chart_url = slack.response_url("e2e-chart")
    asked = threading.Thread(
        target=send_slash_command,
        args=(bot.events_url, SIGNING_SECRET, "30y --as-of 2025-04-11", chart_url),
        kwargs={"command": "/yields"},
    )
    asked.start()
    slack.wait_for(UPLOAD, timeout=30)  # the chart is on its way; Slack sits on it

    started = time.monotonic()
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack.response_url("e2e-meanwhile"))
    acked = time.monotonic() - started
    slack.wait_for(RESPONSE_URL, key="e2e-meanwhile", timeout=3)
    answered = time.monotonic() - started
    asked.join()

    assert response.status_code == 200 and acked < 1.0
    assert answered < 3.0  # before the slow upload was even answered
    assert slack.calls_to("files.completeUploadExternal") == []  # still waiting on the upload then
    slack.wait_for("files.completeUploadExternal", timeout=10)  # slow, not failed: the chart arrives
