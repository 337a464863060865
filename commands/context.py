"""What a command may know about the request besides its text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from market.tz import DESK_TZ

__all__ = ["DESK_TZ", "CommandContext"]


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
    # Short slash commands of their own (`/yields` → `yields`), as configured.
    short_commands: Mapping[str, str] = field(default_factory=dict)
    # A scheduled post rather than a person: it may wait for data to appear (a result flash
    # watching from the close); a person asking gets an answer now.
    scheduled: bool = False
