"""Post a `Reply` to Slack: through a slash command's response_url or into a channel.

Charts go up with files v2 (`files.getUploadURLExternal` → upload →
`files.completeUploadExternal`), the only upload path Slack still accepts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.webhook import WebhookClient

from charts.specs import ChartRequest
from commands import blocks
from commands.reply import Reply

logger = logging.getLogger(__name__)

CHANNEL_ACCESS_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
CHART_FAILED = "chart_failed"
POST_EVENT_TYPE = "deskbot_post"


def retry_handlers() -> list[RetryHandler]:
    """Retry dropped connections, and 429s after Slack's Retry-After."""
    return [ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)]


class ChartUploadError(Exception):
    """A chart could not be shared in the channel; `reason` is Slack's error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SlackDelivery:
    """Sends replies; everything Slack-specific about posting lives here."""

    def __init__(self, client: WebClient, render: Callable[[ChartRequest], bytes] | None = None) -> None:
        self._client = client
        self._render = render or _render_png

    def respond(self, response_url: str, reply: Reply, channel_id: str | None) -> bool:
        """Answer a slash command; True when the message reached Slack.

        The message goes through `response_url` (works in channels the bot
        has not joined); charts then go to the channel as files.
        """
        if not self._send_to_response_url(response_url, reply.message_payload()):
            return False
        if reply.charts and channel_id:
            try:
                self.upload_charts(channel_id, reply.charts)
            except ChartUploadError as error:
                self._send_to_response_url(response_url, chart_refused_reply(error.reason).message_payload())
        return True

    def post(self, channel_id: str, reply: Reply, thread_ts: str | None = None, post_key: str | None = None) -> str:
        """Post into a channel (briefings, alerts); charts follow in the message's thread.

        `post_key` goes into the message's metadata, so `find_post` can tell
        later whether a post interrupted by a crash reached the channel.
        Returns the message's `ts`. Raises `SlackApiError` when Slack refuses.
        """
        metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"key": post_key}} if post_key else None
        response = self._client.chat_postMessage(
            channel=channel_id,
            text=reply.text,
            blocks=list(reply.blocks) or None,
            thread_ts=thread_ts,
            metadata=metadata,
        )
        ts = str(response["ts"])
        if reply.charts:
            self.upload_charts(channel_id, reply.charts, thread_ts=thread_ts or ts)
        return ts

    def find_post(self, channel_id: str, post_key: str, oldest: float) -> str | None:
        """The `ts` of a message carrying `post_key` posted since `oldest` (epoch seconds), or None."""
        response = self._client.conversations_history(
            channel=channel_id, oldest=str(oldest), include_all_metadata=True, limit=200
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == POST_EVENT_TYPE and payload.get("key") == post_key:
                return str(message["ts"])
        return None

    def upload_charts(self, channel_id: str, charts: tuple[ChartRequest, ...], thread_ts: str | None = None) -> None:
        """Render and share each chart; raises `ChartUploadError` when the channel refuses."""
        for chart in charts:
            try:
                png = self._render(chart)
                self._client.files_upload_v2(
                    channel=channel_id,
                    content=png,
                    filename=chart.filename,
                    title=chart.title,
                    alt_txt=chart.alt_text or chart.title,
                    thread_ts=thread_ts,
                )
            except SlackApiError as error:
                reason = str(error.response.get("error", "unknown_error"))
                logger.warning("chart upload to %s refused: %s", channel_id, reason)
                raise ChartUploadError(reason) from None
            except Exception:
                logger.exception("chart %s could not be drawn or uploaded", chart.filename)
                raise ChartUploadError(CHART_FAILED) from None

    def _send_to_response_url(self, response_url: str, payload: dict) -> bool:
        webhook = WebhookClient(response_url, timeout=10, retry_handlers=retry_handlers())
        try:
            response = webhook.send_dict(payload)
        except Exception:
            logger.exception("could not reach the response_url")
            return False
        if response.status_code != 200:
            logger.warning("response_url answered HTTP %s: %s", response.status_code, response.body[:200])
            return False
        return True


def _render_png(chart: ChartRequest) -> bytes:
    # matplotlib loads on the first chart, not at start-up.
    from charts.render import render_png

    return render_png(chart)


def chart_refused_reply(reason: str) -> Reply:
    """Tell the asker why the chart is missing and how to fix it."""
    if reason in CHANNEL_ACCESS_ERRORS:
        text = ":frame_with_picture: I can't post charts here yet: invite me with `/invite @deskbot`, then ask again."
    elif reason == CHART_FAILED:
        text = ":frame_with_picture: The chart could not be drawn or uploaded; the error has been logged."
    else:
        text = f":frame_with_picture: The chart could not be uploaded (Slack said `{reason}`)."
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))
