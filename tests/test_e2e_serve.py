"""`deskbot serve` as a real process, driven the way Slack drives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn
from commands.dispatch import build_registry
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.signing import send_slash_command

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


def test_signed_help_is_acked_fast_and_answered_at_the_response_url(bot: BotProcess, slack_module: SlackStandIn):
    started = time.monotonic()
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack_module.response_url("help-1"))
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < ACK_DEADLINE_SECONDS
    reply = slack_module.wait_for(RESPONSE_URL, key="help-1")[0].params
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["type"] == "header"
    shown = json.dumps(reply["blocks"])
    for command in build_registry():
        assert f"/deskbot {command.usage}" in shown
        assert command.summary in shown
    assert "/deskbot help" in reply["text"]


def test_post_flag_shares_the_answer_in_channel(bot: BotProcess, slack_module: SlackStandIn):
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help --post", slack_module.response_url("post-1"))

    assert response.status_code == 200
    assert slack_module.wait_for(RESPONSE_URL, key="post-1")[0].params["response_type"] == "in_channel"


def test_bad_command_gets_a_private_usage_message(bot: BotProcess, slack_module: SlackStandIn):
    send_slash_command(bot.events_url, SIGNING_SECRET, "yeilds 10y", slack_module.response_url("bad-1"))

    reply = slack_module.wait_for(RESPONSE_URL, key="bad-1")[0].params
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
    assert slack_module.calls_to(RESPONSE_URL, key=key) == []


def test_rate_limited_response_url_is_retried_after_retry_after_and_delivered_once(
    bot: BotProcess, slack_module: SlackStandIn
):
    slack_module.rate_limit_next(RESPONSE_URL, retry_after=1)
    response = send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack_module.response_url("limited-1"))
    assert response.status_code == 200

    delivered = slack_module.wait_for(RESPONSE_URL, key="limited-1")
    time.sleep(1.5)  # a duplicate would arrive within this window
    attempts = slack_module.calls_to(RESPONSE_URL, key="limited-1", delivered_only=False)

    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0
    assert len(slack_module.calls_to(RESPONSE_URL, key="limited-1")) == len(delivered) == 1


def test_health_check_and_unknown_paths(bot: BotProcess):
    assert httpx.get(f"{bot.base_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{bot.base_url}/nothing-here").status_code == 404


def test_commands_are_recorded_and_secrets_never_logged(bot: BotProcess, slack_module: SlackStandIn):
    send_slash_command(bot.events_url, SIGNING_SECRET, "help help", slack_module.response_url("audit-1"))
    slack_module.wait_for(RESPONSE_URL, key="audit-1")

    database = Path(bot.log_path.parent / "data" / "deskbot.sqlite3")
    engine = create_engine(f"sqlite:///{database}")
    deadline = time.monotonic() + 5
    rows: list = []
    while time.monotonic() < deadline and not rows:
        with engine.connect() as connection:
            query = "SELECT user_id, channel_id, outcome, delivered FROM command_runs WHERE command_text = 'help help'"
            rows = connection.execute(text(query)).all()
        time.sleep(0.05)
    engine.dispose()
    assert [tuple(row) for row in rows] == [("U0TRADER", "C0DESK", "ok", 1)]

    log = bot.log()
    assert slack_module.token not in log
    assert SIGNING_SECRET not in log


def test_socket_mode_acks_over_the_websocket_and_answers_at_the_response_url(tmp_path):
    from urllib.parse import parse_qsl

    from tests.harness.signing import slash_command_body
    from tests.harness.socket_mode import SocketModeStandIn

    with SocketModeStandIn() as socket, SlackStandIn() as slack:
        slack.socket_mode_url = socket.url
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "SLACK_APP_TOKEN": slack.app_token}
        with BotProcess(env, workdir=tmp_path, wait_for_http=False) as bot:
            socket.wait_for_connection()
            payload = dict(parse_qsl(slash_command_body("help", slack.response_url("socket-1")).decode()))
            sent_at = socket.send_envelope(
                {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True, "payload": payload}
            )
            acked_at, ack = socket.wait_for_ack("env-1")
            reply = slack.wait_for(RESPONSE_URL, key="socket-1")[0].params

            assert acked_at - sent_at < ACK_DEADLINE_SECONDS
            assert ack["envelope_id"] == "env-1"
            assert reply["blocks"][0]["text"]["text"] == "deskbot: Treasury desk commands"
            assert slack.app_token not in bot.log()
        assert [call.method for call in slack.calls][:2] == ["auth.test", "apps.connections.open"]


def _signed_json_post(bot: BotProcess, payload: dict) -> httpx.Response:
    from tests.harness.signing import signed_headers

    body = json.dumps(payload).encode()
    headers = {**signed_headers(SIGNING_SECRET, body), "Content-Type": "application/json"}
    return httpx.post(bot.events_url, content=body, headers=headers)


def test_events_url_verification_is_answered_with_the_challenge(bot: BotProcess):
    response = _signed_json_post(bot, {"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRN"})
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRN"}


def test_uninstall_event_is_acknowledged_and_logged(bot: BotProcess):
    envelope = {
        "type": "event_callback",
        "team_id": "T0DESK",
        "api_app_id": "A0DESKBOT",
        "event_id": "Ev0UNINSTALL",
        "event_time": int(time.time()),
        "event": {"type": "app_uninstalled"},
    }
    response = _signed_json_post(bot, envelope)
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while "deskbot was removed from team T0DESK" not in bot.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "deskbot was removed from team T0DESK (app_uninstalled)" in bot.log()


def test_opening_the_home_tab_publishes_the_desk_at_a_glance(bot: BotProcess, slack_module: SlackStandIn):
    envelope = {
        "type": "event_callback",
        "team_id": "T0DESK",
        "api_app_id": "A0DESKBOT",
        "event_id": "Ev0HOME",
        "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": "U0TRADER", "channel": "D0HOME", "tab": "home"},
    }
    started = time.monotonic()
    response = _signed_json_post(bot, envelope)
    acked = time.monotonic() - started

    assert response.status_code == 200
    assert acked < ACK_DEADLINE_SECONDS
    published = slack_module.wait_for("views.publish", timeout=30)[-1].params
    assert published["user_id"] == "U0TRADER"
    view = json.loads(published["view"]) if isinstance(published["view"], str) else published["view"]
    assert view["type"] == "home"
    shown = json.dumps(view["blocks"])
    for section in ("Curve", "Next auctions", "Last auction results", "Basis-trade stress", "Funding"):
        assert section in shown
    assert len(view["blocks"]) <= 100


def _signed_form_post(bot: BotProcess, payload: dict) -> httpx.Response:
    """An interaction, as Slack posts it: a signed form with `payload=<json>`."""
    from urllib.parse import urlencode

    from tests.harness.signing import signed_headers

    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {**signed_headers(SIGNING_SECRET, body), "Content-Type": "application/x-www-form-urlencoded"}
    return httpx.post(bot.events_url, content=body, headers=headers, timeout=10)


def test_pressing_history_chart_on_an_auction_answer_answers_with_the_chart(
    bot: BotProcess, slack_module: SlackStandIn
):
    from tests.test_answer_buttons import block_actions

    send_slash_command(bot.events_url, SIGNING_SECRET, "auction 10y 2025-04-09", slack_module.response_url("btn-1"))
    answer = slack_module.wait_for(RESPONSE_URL, key="btn-1", timeout=30)[0].params
    buttons = [element for block in answer["blocks"] if block["type"] == "actions" for element in block["elements"]]
    history = next(element for element in buttons if element["text"]["text"] == "History chart")
    uploads_before = len(slack_module.calls_to("files.completeUploadExternal"))

    started = time.monotonic()
    pressed = block_actions(history, slack_module.response_url("btn-2"), "U0TRADER", "C0DESK", True, None)
    response = _signed_form_post(bot, pressed)
    acked = time.monotonic() - started

    assert response.status_code == 200
    assert acked < ACK_DEADLINE_SECONDS
    chart_answer = slack_module.wait_for(RESPONSE_URL, key="btn-2", timeout=30)[0].params
    assert "10-year" in chart_answer["text"]
    slack_module.wait_for("files.completeUploadExternal", count=uploads_before + 1, timeout=30)


def test_subscribe_alone_opens_the_subscription_form_for_an_admin(bot: BotProcess, slack_module: SlackStandIn):
    trigger = slack_module.issue_trigger_id()
    response = send_slash_command(
        bot.events_url,
        SIGNING_SECRET,
        "subscribe",
        slack_module.response_url("form-1"),
        user_id="U0ADMIN",
        channel_id="C0AUCTIONS",
        trigger_id=trigger,
    )

    assert response.status_code == 200
    opened = slack_module.wait_for("views.open", timeout=30)[-1].params
    assert opened["trigger_id"] == trigger
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["type"] == "modal" and view["callback_id"] == "deskbot_subscribe"


def test_socket_mode_serves_the_home_tab_and_button_presses_too(tmp_path):
    from tests.harness.socket_mode import SocketModeStandIn
    from tests.test_answer_buttons import block_actions

    with SocketModeStandIn() as socket, SlackStandIn() as slack:
        slack.socket_mode_url = socket.url
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "SLACK_APP_TOKEN": slack.app_token}
        with BotProcess(env, workdir=tmp_path, wait_for_http=False):
            socket.wait_for_connection()
            home = {
                "type": "event_callback",
                "team_id": "T0DESK",
                "api_app_id": "A0DESKBOT",
                "event_id": "Ev0SOCKETHOME",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": "U0TRADER", "channel": "D0HOME", "tab": "home"},
            }
            socket.send_envelope({"envelope_id": "env-home", "type": "events_api", "payload": home})
            curve = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Curve"},
                "action_id": "deskbot_answer_curve",
                "value": json.dumps({"c": "curve", "a": "", "v": 1}, separators=(",", ":")),
            }
            press = block_actions(curve, slack.response_url("socket-btn"), "U0TRADER", "C0DESK", True, None)
            socket.send_envelope({"envelope_id": "env-btn", "type": "interactive", "payload": press})

            socket.wait_for_ack("env-home")
            socket.wait_for_ack("env-btn")
            published = slack.wait_for("views.publish", timeout=30)[-1].params
            answered = slack.wait_for(RESPONSE_URL, key="socket-btn", timeout=30)[0].params

        assert published["user_id"] == "U0TRADER"
        assert answered["text"].startswith("Treasury curve — ")
