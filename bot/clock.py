"""The bot's clock: real time, a moment frozen with `--as-of` (ask), or a replay clock (serve)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from market.tz import DESK_TZ

Clock = Callable[[], datetime]
# A post due after a replay's end is put this far off: it never fires while the replay runs.
NEVER = timedelta(days=3650)


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def parse_as_of(text: str) -> datetime:
    """`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, read on the New York clock.

    A bare date means the end of that desk day (18:00 ET), after the
    day's auctions and the yield curve have printed.
    """
    for layout in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, layout)
        except ValueError:
            continue
        if layout == "%Y-%m-%d":
            parsed = parsed.replace(hour=18)
        return parsed.replace(tzinfo=DESK_TZ)
    raise ValueError(f"--as-of must be YYYY-MM-DD or YYYY-MM-DDTHH:MM (got {text!r})")


def is_bare_date(text: str) -> bool:
    """`YYYY-MM-DD` with no time: "as of that day's close", not a moment."""
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def frozen_clock(moment: datetime) -> Clock:
    """A clock that always reads `moment`."""
    return lambda: moment


class ReplayClock:
    """A clock that starts at `start` and runs `speed` times faster than real time.

    `deskbot serve --as-of … --speed 60` replays a past week: an hour of desk
    time passes in a real minute, and scheduled posts fire at their desk time.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        real_now: Clock = system_clock,
        started_at: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = start
        self._speed = speed
        self._real_now = real_now
        self._real_start = started_at or real_now()
        self.until = until

    def __call__(self) -> datetime:
        moment = self._start + (self._real_now() - self._real_start) * self._speed
        return min(moment, self.until) if self.until is not None else moment

    @property
    def stopped(self) -> bool:
        """True once the replay has reached its end and the clock stands still."""
        return self.until is not None and self() >= self.until

    def to_real(self, moment: datetime) -> datetime:
        """When, in real time, this clock will read `moment` (never, for a moment after the replay's end)."""
        if self.until is not None and moment > self.until:
            return self._real_now() + NEVER
        return self._real_start + (moment - self._start) / self._speed


def real_time_of(clock: Clock, moment: datetime) -> datetime:
    """The real time at which `clock` reads `moment` (the same moment for the system clock)."""
    to_real = getattr(clock, "to_real", None)
    return to_real(moment) if to_real is not None else moment
