"""`deskbot serve` as a real process, driven the way Slack drives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from commands.dispatch import build_registry
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.signing import send_slash_command
from tests.harness.slack_standin import RESPONSE_URL, SlackStandIn

ACK_DEADLINE_SECONDS = 3.0


@pytest.fixture(scope="module")
def slack_module() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def bot(slack_module: SlackStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("bot")
    env = {"SLACK_BOT_TOKEN": slack_module.token, "SLACK_API_URL": slack_module.api_url}
    with BotProcess(env, workdir=workdir) as process:
        yield process


def _response_posts(slack: SlackStandIn, key: str) -> list:
    return [call for call in slack.calls_to(RESPONSE_URL) if call.path.endswith("/" + key)]


def _wait_for_response(slack: SlackStandIn, key: str, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posts = _response_posts(slack, key)
        if posts:
            return posts
        time.sleep(0.05)
    raise AssertionError(f"no reply arrived at response_url {key}")


def test_signed_help_is_acked_fast_and_answered_at_the_response_url(bot: BotProcess, slack_module: SlackStandIn):
    started = time.monotonic()
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack_module.response_url("help-1"))
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < ACK_DEADLINE_SECONDS
    reply = _wait_for_response(slack_module, "help-1")[0].params
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["type"] == "header"
    shown = json.dumps(reply["blocks"])
    for command in build_registry():
        assert command.usage_line("/deskbot") in shown
        assert command.summary in shown
    assert "/deskbot help" in reply["text"]


def test_post_flag_shares_the_answer_in_channel(bot: BotProcess, slack_module: SlackStandIn):
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help --post", slack_module.response_url("post-1"))

    assert response.status_code == 200
    assert _wait_for_response(slack_module, "post-1")[0].params["response_type"] == "in_channel"


def test_bad_command_gets_a_private_usage_message(bot: BotProcess, slack_module: SlackStandIn):
    send_slash_command(bot.events_url, SIGNING_SECRET, "yeilds 10y", slack_module.response_url("bad-1"))

    reply = _wait_for_response(slack_module, "bad-1")[0].params
    assert reply["response_type"] == "ephemeral"
    assert "I don't know the command `yeilds`" in reply["text"]
    assert "/deskbot help" in reply["text"]
    assert "Traceback" not in json.dumps(reply)


@pytest.mark.parametrize(
    "case",
    ["unsigned", "wrong secret", "six minutes old"],
)
def test_requests_that_are_not_from_slack_get_401_and_no_reply(bot: BotProcess, slack_module: SlackStandIn, case: str):
    key = "forged-" + case.replace(" ", "-")
    url = slack_module.response_url(key)
    if case == "unsigned":
        from tests.harness.signing import slash_command_body

        body = slash_command_body("help", url)
        response = httpx.post(
            bot.events_url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    elif case == "wrong secret":
        response = send_slash_command(bot.events_url, "not-the-signing-secret", "help", url)
    else:
        response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", url, timestamp=time.time() - 360)

    assert response.status_code == 401
    time.sleep(1.0)
    assert _response_posts(slack_module, key) == []


def test_rate_limited_response_url_is_retried_after_retry_after_and_delivered_once(
    bot: BotProcess, slack_module: SlackStandIn
):
    slack_module.rate_limit_next(RESPONSE_URL, retry_after=1)
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack_module.response_url("limited-1"))
    assert response.status_code == 200

    delivered = _wait_for_response(slack_module, "limited-1")
    time.sleep(1.5)  # a duplicate would arrive within this window
    attempts = [call for call in slack_module.calls if call.path.endswith("/limited-1")]

    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert len(_response_posts(slack_module, "limited-1")) == len(delivered) == 1


def test_health_check_and_unknown_paths(bot: BotProcess):
    assert httpx.get(f"{bot.base_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{bot.base_url}/nothing-here").status_code == 404


def test_commands_are_recorded_and_secrets_never_logged(bot: BotProcess, slack_module: SlackStandIn):
    send_slash_command(bot.events_url, SIGNING_SECRET, "help help", slack_module.response_url("audit-1"))
    _wait_for_response(slack_module, "audit-1")

    database = Path(bot.log_path.parent / "data" / "deskbot.sqlite3")
    engine = create_engine(f"sqlite:///{database}")
    deadline = time.monotonic() + 5
    rows: list = []
    while time.monotonic() < deadline and not rows:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT user_id, channel_id, outcome, delivered FROM command_runs WHERE command_text = 'help help'")
            ).all()
        time.sleep(0.05)
    engine.dispose()
    assert [tuple(row) for row in rows] == [("U0TRADER", "C0DESK", "ok", 1)]

    log = bot.log()
    assert slack_module.token not in log
    assert SIGNING_SECRET not in log
