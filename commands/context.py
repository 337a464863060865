"""What a command may know about the request besides its text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

DESK_TZ = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class CommandContext:
    """The clock and the asker, fixed for the life of one command.

    `now` is passed in rather than read, so replays and tests can freeze
    time and a command never sees the clock move under it.
    """

    now: datetime
    slash_command: str = "/deskbot"
    user_id: str | None = None
    channel_id: str | None = None
