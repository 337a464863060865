"""What deskbot says when a channel's subscriptions change: the typed commands and the form say the same."""

from __future__ import annotations

from collections.abc import Sequence

from commands.schedule.model import Feed


def subscribed_text(
    channel_id: str, feeds: Sequence[Feed], tenors: Sequence[str], lead_minutes: int, slash_command: str
) -> str:
    """The confirmation of `subscribe`: which feeds the channel now gets, with their tenors and lead."""
    names = ", ".join(f.value for f in feeds)
    detail = f"tenors {', '.join(tenors)}; briefings {lead_minutes} min before the close"
    return f":white_check_mark: <#{channel_id}> now gets {names} ({detail}). See `{slash_command} schedule`."


def unsubscribed_text(channel_id: str, feeds: Sequence[Feed]) -> str:
    """The confirmation of `unsubscribe`, when the channel had the feeds."""
    return f":white_check_mark: <#{channel_id}> no longer gets {', '.join(f.value for f in feeds)}."
