"""The bot's clock: real time, or a moment frozen with `--as-of` for replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from market.tz import DESK_TZ

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def parse_as_of(text: str) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, read on the New York clock.

    A bare date means the end of that desk day (18:00 ET), after the
    day's auctions and the yield curve have printed.
    """
    for layout in ("%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, layout)
        except ValueError:
            continue
        if layout == "%Y-%m-%d":
            parsed = parsed.replace(hour=18)
        return parsed.replace(tzinfo=DESK_TZ)
    raise ValueError(f"--as-of must be YYYY-MM-DD or YYYY-MM-DDTHH:MM (got {text!r})")


def frozen_clock(moment: datetime) -> Clock:
    """A clock that always reads `moment`."""
    return lambda: moment
