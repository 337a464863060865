"""Post a `Reply` to Slack: through a slash command's response_url or into a channel.

Charts go up with files v2 (`files.getUploadURLExternal` → upload →
`files.completeUploadExternal`), the only upload path Slack still accepts.

When Slack misbehaves the answer still gets through where it can: blocks
Slack refuses are resent as plain text, an expired response_url is replaced
by a private `chat.postEphemeral`, and a chart that cannot be shared leaves
the text standing with a private note. Log lines never carry a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from bot.slack_message import message_blocks, message_payload
from charts.specs import ChartRequest
from commands import blocks
from commands.reply import Reply

logger = logging.getLogger(__name__)

CHANNEL_ACCESS_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
# The bot token no longer works: nothing but response_url reaches Slack until an operator acts.
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"})
# Slack shows a table block as an attachment: a table it refuses comes back as `invalid_attachments`.
BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "invalid_attachments"})
CHART_FAILED = "chart_failed"
CHART_TIMED_OUT = "chart_timed_out"
POST_EVENT_TYPE = "deskbot_post"
# Every Slack call gives up after this long, so a slow upload cannot hold a worker thread for long.
SLACK_TIMEOUT_SECONDS = 15
RESPONSE_URL_TIMEOUT_SECONDS = 10
# Web API methods that create something: a dropped connection may mean Slack did it, so no blind retry.
NOT_IDEMPOTENT = ("chat.postMessage", "files.completeUploadExternal")

EXPIRED_NOTE = "_Slack's reply link for your command had expired, so this answer is only visible to you._"
EXPIRED_SHARE_NOTE = "_Ask again to share it with the channel._"
EXPIRED_CHART_NOTE = "_Ask again to share it with the channel, chart included._"


class _ConnectionRetryUnlessPosting(ConnectionErrorRetryHandler):
    """Retry a dropped connection, except for a call that may already have posted."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(NOT_IDEMPOTENT):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _ServerErrorRetry(ServerErrorRetryHandler):
    """Retry any 5xx (slack_sdk's own handler stops at 500 and 503)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers() -> list[RetryHandler]:
    """Retry dropped connections (not for posts: see `find_post`), and 429s after Slack's Retry-After."""
    return [_ConnectionRetryUnlessPosting(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)]


def response_url_retry_handlers() -> list[RetryHandler]:
    """A response_url is retried on 429 (after Retry-After), 5xx and dropped connections, a few times."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        _ServerErrorRetry(max_retry_count=2),
    ]


def log_auth_failure(reason: str, doing: str) -> None:
    """One loud line for the operator: the token is dead and only response_url still works."""
    logger.error(
        "Slack refused deskbot's token (%s) while %s: charts, private notes and scheduled posts fail "
        "until SLACK_BOT_TOKEN is replaced or the app is reinstalled; command answers still go through",
        reason,
        doing,
    )


class ChartUploadError(Exception):
    """A chart could not be shared in the channel; `reason` is Slack's error code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Posted:
    """What `post_reply` did: the message's ts, and how it fell short, if it did."""

    ts: str
    plain_text: bool = False  # Slack refused the blocks; the text went alone
    chart_problem: str | None = None  # Slack's reason the charts are missing


class SlackDelivery:
    """Sends replies; everything Slack-specific about posting lives here."""

    def __init__(self, client: WebClient, render: Callable[[ChartRequest], bytes] | None = None) -> None:
        self._client = client
        self._render = render or _render_png

    def respond(
        self,
        response_url: str,
        reply: Reply,
        channel_id: str | None,
        user_id: str | None = None,
        *,
        replace_original: bool = False,
        new_message: bool = False,
    ) -> bool:
        """Answer a slash command (or a button); True when the answer reached the asker.

        The message goes through `response_url` (works in channels the bot
        has not joined, and without a working token); charts then go to the
        channel as files. An expired response_url is replaced by a private
        message to `user_id` in the channel. `replace_original` replaces the
        answer sent before through the same link (an answer from stored data); `new_message` says
        so explicitly for a button's answer, which must not replace the message the button is on.
        """
        original = (
            {"replace_original": True} if replace_original else {"replace_original": False} if new_message else {}
        )
        payload = {**message_payload(reply), **original}
        status, body = self._send_to_response_url(response_url, payload)
        if status == 400 and reply.blocks:
            logger.warning("Slack refused the answer's blocks (HTTP 400: %s); sending it as plain text", body)
            payload = {**payload, **message_payload(_text_only(reply))}
            payload.pop("blocks", None)
            status, body = self._send_to_response_url(response_url, payload)
        if status in (404, 410):
            logger.warning("the reply link had expired (HTTP %s: %s); answering privately instead", status, body)
            return self._answer_privately(channel_id, user_id, reply)
        if status == 0:
            logger.warning("the answer could not be delivered: the reply link could not be reached (%s)", body)
            return False
        if status != 200:
            logger.warning("the answer could not be delivered: the reply link answered HTTP %s: %s", status, body)
            return False
        if reply.charts and channel_id:
            try:
                self.upload_charts(channel_id, reply.charts)
            except ChartUploadError as error:
                note = message_payload(chart_refused_reply(error.reason))
                self._send_to_response_url(
                    response_url, {**note, **({"replace_original": False} if new_message else {})}
                )
        return True

    def delete_original(self, response_url: str) -> bool:
        """Delete the message an interaction came from (a private answer once shared); True when Slack did."""
        status, body = self._send_to_response_url(response_url, {"delete_original": True})
        if status != 200:
            logger.info("the original message was not deleted (HTTP %s: %s)", status, body)
        return status == 200

    def post(self, channel_id: str, reply: Reply, thread_ts: str | None = None, post_key: str | None = None) -> str:
        """Post into a channel (briefings, alerts); returns the message's `ts`. See `post_reply`."""
        return self.post_reply(channel_id, reply, thread_ts=thread_ts, post_key=post_key).ts

    def post_reply(
        self, channel_id: str, reply: Reply, thread_ts: str | None = None, post_key: str | None = None
    ) -> Posted:
        """Post into a channel; charts follow in the message's thread.

        `post_key` goes into the message's metadata, so `find_post` can tell
        later whether a post interrupted by a crash reached the channel.
        Blocks Slack refuses are replaced by the text alone (Slack refused,
        so nothing was posted twice). A chart that cannot be shared leaves
        the message standing; `Posted.chart_problem` says why.
        Raises `SlackApiError` when Slack refuses the message.
        """
        plain_text = False
        try:
            ts = self._post_message(channel_id, reply, thread_ts, post_key)
        except SlackApiError as error:
            reason = str(error.response.get("error", ""))
            if reason not in BLOCK_ERRORS or not reply.blocks:
                raise
            logger.warning(
                "Slack refused the blocks of %s in %s (%s); posting the text alone", post_key, channel_id, reason
            )
            ts = self._post_message(channel_id, _text_only(reply), thread_ts, post_key)
            plain_text = True
        chart_problem = None
        if reply.charts:
            try:
                self.upload_charts(channel_id, reply.charts, thread_ts=thread_ts or ts)
            except ChartUploadError as error:
                chart_problem = error.reason
                logger.warning(
                    "%s was posted in %s without its chart: %s", post_key or "a post", channel_id, error.reason
                )
        return Posted(ts, plain_text=plain_text, chart_problem=chart_problem)

    def find_post(self, channel_id: str, post_key: str, oldest: float, thread_ts: str | None = None) -> str | None:
        """The `ts` of a message carrying `post_key` posted since `oldest` (epoch seconds), or None.

        A reply in a thread is not in `conversations.history` (Slack lists parents only):
        with `thread_ts` the thread itself is searched, through `conversations.replies`.
        """
        if thread_ts is not None:
            response = self._client.conversations_replies(
                channel=channel_id, ts=thread_ts, include_all_metadata=True, limit=1000
            )
        else:
            response = self._client.conversations_history(
                channel=channel_id, oldest=str(oldest), include_all_metadata=True, limit=200
            )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == POST_EVENT_TYPE and payload.get("key") == post_key:
                return str(message["ts"])
        return None

    def find_file(self, channel_id: str, thread_ts: str, filename: str) -> bool:
        """Whether a file named `filename` was shared in the thread of `thread_ts` (a chart a crash may have left)."""
        response = self._client.conversations_replies(channel=channel_id, ts=thread_ts, limit=1000)
        return any(
            file.get("name") == filename
            for message in response.get("messages") or []
            for file in message.get("files") or []
        )

    def upload_charts(self, channel_id: str, charts: tuple[ChartRequest, ...], thread_ts: str | None = None) -> None:
        """Render and share each chart; raises `ChartUploadError` when the channel refuses or Slack is too slow."""
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
                if reason in AUTH_ERRORS:
                    log_auth_failure(reason, f"sharing a chart in {channel_id}")
                else:
                    logger.warning("chart upload to %s refused: %s", channel_id, reason)
                raise ChartUploadError(reason) from None
            except (TimeoutError, URLError) as error:
                if isinstance(error, URLError) and not isinstance(error.reason, TimeoutError):
                    logger.warning("chart upload to %s failed: %s", channel_id, type(error.reason).__name__)
                    raise ChartUploadError(CHART_FAILED) from None
                logger.warning("chart upload to %s timed out after %s s", channel_id, self._client.timeout)
                raise ChartUploadError(CHART_TIMED_OUT) from None
            except Exception:
                logger.exception("chart %s could not be drawn or uploaded", chart.filename)
                raise ChartUploadError(CHART_FAILED) from None

    def _post_message(self, channel_id: str, reply: Reply, thread_ts: str | None, post_key: str | None) -> str:
        metadata = {"event_type": POST_EVENT_TYPE, "event_payload": {"key": post_key}} if post_key else None
        response = self._client.chat_postMessage(
            channel=channel_id,
            text=reply.text,
            blocks=list(message_blocks(reply)) or None,
            thread_ts=thread_ts,
            metadata=metadata,
        )
        return str(response["ts"])

    def _answer_privately(self, channel_id: str | None, user_id: str | None, reply: Reply) -> bool:
        """The answer as an ephemeral message to the asker, when the reply link no longer works."""
        if not channel_id or not user_id:
            logger.warning("the answer was lost: no channel or user to answer privately")
            return False
        share = EXPIRED_CHART_NOTE if reply.charts else EXPIRED_SHARE_NOTE
        notes = [EXPIRED_NOTE] + ([share] if reply.is_in_channel else [])
        text = "\n".join([*notes, "", reply.text])
        try:
            self._client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
        except SlackApiError as error:
            reason = str(error.response.get("error", "unknown_error"))
            if reason in AUTH_ERRORS:
                log_auth_failure(reason, f"answering {user_id} privately in {channel_id}")
            else:
                logger.warning(
                    "the answer to %s in %s was lost: chat.postEphemeral said %s", user_id, channel_id, reason
                )
            return False
        except Exception as error:
            logger.warning("the answer to %s in %s was lost: %s", user_id, channel_id, type(error).__name__)
            return False
        logger.info("answered %s privately in %s", user_id, channel_id)
        return True

    def _send_to_response_url(self, response_url: str, payload: dict[str, Any]) -> tuple[int, str]:
        """(HTTP status, body); status 0 when Slack could not be reached at all."""
        webhook = WebhookClient(
            response_url, timeout=RESPONSE_URL_TIMEOUT_SECONDS, retry_handlers=response_url_retry_handlers()
        )
        try:
            response = webhook.send_dict(payload)
        except Exception as error:  # the message may name the URL: log only its type
            return 0, type(error).__name__
        return response.status_code, str(response.body or "")[:200]


def _text_only(reply: Reply) -> Reply:
    """The reply as Slack's message `text` alone, for when its blocks are refused."""
    return replace(reply, blocks=())


def _render_png(chart: ChartRequest) -> bytes:
    # matplotlib loads on the first chart, not at start-up.
    from charts.render import render_png

    return render_png(chart)


def chart_refused_reply(reason: str) -> Reply:
    """Tell the asker why the chart is missing and how to fix it."""
    if reason in CHANNEL_ACCESS_ERRORS:
        text = ":frame_with_picture: I can't post charts here yet: invite me with `/invite @deskbot`, then ask again."
    elif reason == CHART_TIMED_OUT:
        text = ":frame_with_picture: Slack took too long to take the chart, so it is missing; ask again in a minute."
    elif reason in AUTH_ERRORS:
        text = (
            ":frame_with_picture: I can't post charts right now: Slack refused my access. Please tell your Slack admin."
        )
    elif reason == CHART_FAILED:
        text = ":frame_with_picture: The chart could not be drawn or uploaded; the error has been logged."
    else:
        text = f":frame_with_picture: The chart could not be uploaded (Slack said `{reason}`)."
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))
