"""Posting replies and charts to the Slack stand-in over real HTTP."""

from __future__ import annotations

import json
from datetime import date

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import SlackDelivery, retry_handlers
from bot.demo.slack_workspace import RESPONSE_URL, UPLOAD
from charts.specs import LineChart, Series
from commands.reply import Reply

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

CHART = LineChart(
    title="UST 30Y yield, April 2025",
    series=(
        Series(
            "30Y",
            (
                (date(2025, 4, 4), 4.41),
                (date(2025, 4, 7), 4.63),
                (date(2025, 4, 8), 4.72),
                (date(2025, 4, 9), 4.85),
            ),
        ),
    ),
    y_label="%",
    filename="ust30y.png",
    alt_text="30-year Treasury yield rising from 4.41% to 4.85% over three sessions",
)


@pytest.fixture
def delivery(slack) -> SlackDelivery:
    client = WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=retry_handlers())
    return SlackDelivery(client)


def test_respond_sends_the_message_to_the_response_url(delivery, slack):
    reply = Reply(text="10Y 4.49%", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "*10Y* 4.49%"}},))

    assert delivery.respond(slack.response_url("a"), reply, "C0DESK") is True

    [call] = slack.calls_to(RESPONSE_URL)
    assert call.params == {
        "text": "10Y 4.49%",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*10Y* 4.49%"}}],
        "response_type": "ephemeral",
    }
    assert slack.calls_to("files.getUploadURLExternal") == []


def test_charts_are_uploaded_with_files_v2_into_the_channel(delivery, slack):
    reply = Reply(text="30Y up 44bp in three sessions", charts=(CHART,))

    assert delivery.respond(slack.response_url("b"), reply, "C0DESK") is True

    assert slack.calls_to(RESPONSE_URL)[0].params["response_type"] == "in_channel"
    [get_url] = slack.calls_to("files.getUploadURLExternal")
    [upload] = slack.calls_to(UPLOAD)
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert get_url.params["filename"] == "ust30y.png"
    assert get_url.params["alt_txt"] == CHART.alt_text
    assert int(get_url.params["length"]) == len(upload.body)
    assert upload.body.startswith(PNG_SIGNATURE)
    assert complete.params["channel_id"] == "C0DESK"
    assert json.loads(complete.params["files"]) == [
        {"id": upload.params["file_id"], "title": "UST 30Y yield, April 2025"}
    ]


def test_a_channel_the_bot_is_not_in_gets_an_explanation_instead_of_the_chart(delivery, slack):
    reply = Reply(text="30Y chart", charts=(CHART,))

    assert delivery.respond(slack.response_url("c"), reply, "C0QUIET") is True

    posts = slack.calls_to(RESPONSE_URL)
    assert [post.params["response_type"] for post in posts] == ["in_channel", "ephemeral"]
    assert "invite me with `/invite @deskbot`" in posts[1].params["text"]


def test_an_expired_response_url_with_no_one_to_tell_reports_not_delivered(delivery, slack):
    assert delivery.respond(slack.base_url + "/nowhere", Reply(text="x"), "C0DESK") is False


def test_post_puts_the_message_in_the_channel_and_charts_in_its_thread(delivery, slack):
    ts = delivery.post("C0DESK", Reply(text="Pre-auction briefing: 10Y reopening", charts=(CHART,)))

    [message] = slack.calls_to("chat.postMessage")
    assert message.params["channel"] == "C0DESK"
    assert message.params["text"] == "Pre-auction briefing: 10Y reopening"
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.params["thread_ts"] == ts


def test_post_is_retried_after_a_429_and_lands_once(delivery, slack):
    slack.rate_limit_next("chat.postMessage", retry_after=1)

    delivery.post("C0DESK", Reply(text="Daily summary"))

    attempts = [call for call in slack.calls if call.method == "chat.postMessage"]
    assert [call.status for call in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0


def test_post_to_a_channel_the_bot_cannot_see_raises_slacks_error(delivery, slack):
    with pytest.raises(SlackApiError) as raised:
        delivery.post("C0GONE", Reply(text="briefing"))
    assert raised.value.response["error"] == "channel_not_found"


def test_a_chart_that_fails_to_draw_leaves_the_text_and_explains(slack):
    def broken_renderer(chart):  # type: ignore[no-untyped-def]
        raise ValueError("no data")

    client = WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=retry_handlers())
    delivery = SlackDelivery(client, render=broken_renderer)

    assert delivery.respond(slack.response_url("e"), Reply(text="30Y chart", charts=(CHART,)), "C0DESK") is True

    texts = [post.params["text"] for post in slack.calls_to(RESPONSE_URL)]
    assert texts == [
        "30Y chart",
        ":frame_with_picture: The chart could not be drawn or uploaded; the error has been logged.",
    ]
    assert slack.calls_to("files.getUploadURLExternal") == []
