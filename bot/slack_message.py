"""A `Reply` as Slack's message body: the one place that knows Slack's wire format for answers."""

from __future__ import annotations

from typing import Any

from commands.reply import Reply


def message_payload(reply: Reply) -> dict[str, Any]:
    """The body for a response_url, chat.postMessage or `deskbot ask --json`.

    `response_type` is Slack's: a reply with charts goes to the channel, since files cannot be ephemeral.
    """
    payload: dict[str, Any] = {"text": reply.text}
    if reply.blocks:
        payload["blocks"] = list(reply.blocks)
    payload["response_type"] = "in_channel" if reply.is_in_channel else "ephemeral"
    return payload
