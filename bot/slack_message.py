"""A `Reply` as Slack's message body: the one place that knows Slack's wire format for answers."""

from __future__ import annotations

from typing import Any

from commands import blocks
from commands.reply import Reply


def message_blocks(reply: Reply) -> tuple[dict[str, Any], ...]:
    """The reply's blocks as sent: its buttons, if any, in an actions block at the end (within Slack's 50).

    A reply without blocks goes as text alone, and so without its buttons.
    """
    if not reply.blocks:
        return ()
    return blocks.with_actions(reply.blocks, reply.buttons)


def message_payload(reply: Reply) -> dict[str, Any]:
    """The body for a response_url, chat.postMessage or `deskbot ask --json`.

    `response_type` is Slack's: a reply with charts goes to the channel, since files cannot be ephemeral.
    """
    payload: dict[str, Any] = {"text": reply.text}
    if reply.blocks:
        payload["blocks"] = list(message_blocks(reply))
    payload["response_type"] = "in_channel" if reply.is_in_channel else "ephemeral"
    return payload
