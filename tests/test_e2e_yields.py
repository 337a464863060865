"""A desk member's /yields over signed HTTP to `deskbot serve`: the answer, then the chart via files v2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.demo.slack_workspace import RESPONSE_URL, UPLOAD, SlackStandIn
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.signing import send_slash_command
from tests.harness.upstream import RecordedUpstream

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bot(slack: SlackStandIn, upstream: RecordedUpstream, tmp_path) -> Iterator[BotProcess]:
    env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, **upstream.env()}
    with BotProcess(env, workdir=tmp_path) as process:
        yield process


def test_short_yields_command_answers_in_channel_and_uploads_its_chart(bot: BotProcess, slack: SlackStandIn):
    response = send_slash_command(
        bot.events_url, SIGNING_SECRET, "30y --as-of 2025-04-11", slack.response_url("y30"), command="/yields"
    )

    assert response.status_code == 200
    reply = slack.wait_for(RESPONSE_URL, key="y30", timeout=30)[0].params
    assert reply["response_type"] == "in_channel"  # a chart goes to the channel
    assert (
        "+44 bp on the week: largest weekly rise since the series resumed on 2006-02-10"
        " (before its 2002–2006 break: the Friday-to-Friday week ending 1987-04-24, +47 bp)" in reply["text"]
    )
    [complete] = slack.wait_for("files.completeUploadExternal", timeout=30)
    assert complete.params["channel_id"] == "C0DESK"
    [upload] = slack.calls_to(UPLOAD)
    assert upload.body.startswith(PNG_SIGNATURE)
