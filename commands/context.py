"""What a command may know about the request besides its text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from market.publication import PointInTime
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
    # The app's own slash command, for commands shown while a short one was typed.
    main_command: str = "/deskbot"
    # A scheduled post rather than a person: it may wait for data to appear (a result flash
    # watching from the close); a person asking gets an answer now.
    scheduled: bool = False
    # `deskbot ask --as-of DATE` (no time): the close of that day, with everything for it published.
    close_of: date | None = None

    def point_in_time(self, day: date | None = None) -> PointInTime:
        """What was public for this answer: at `now`, or at the close of `day` (an asked date) but never past `now`."""
        chosen = day or self.close_of
        if chosen is None:
            return PointInTime(self.now)
        return PointInTime.close(chosen, self.now)

    @property
    def today(self) -> date:
        """The desk's date of the answer: the day asked for with `--as-of DATE`, else `now`'s date."""
        return self.close_of or self.now.astimezone(DESK_TZ).date()

    def typed(self, text: str) -> str:
        """`auction next` as the asker types it here: `/auction next` under `/auction`, else `/deskbot auction next`."""
        name, _, rest = text.partition(" ")
        short = {slash.lower(): sub for slash, sub in self.short_commands.items()}
        typed_under = short.get(self.slash_command.lower())
        if typed_under == name:
            return f"{self.slash_command} {rest}".rstrip()
        slash = self.main_command if typed_under is not None else self.slash_command
        return f"{slash} {text}".rstrip()
