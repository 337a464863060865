"""Watch for an auction's results from its competitive close, and stop at a time-out.

The scheduler calls `watch_for_result` on auction days; the wait and the
clock are injected (tests and the benchmark never sleep for real minutes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from market.http import UpstreamError
from market.records import AuctionRecord, describe_tenor
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 1.0
DEFAULT_TIMEOUT = timedelta(minutes=30)


@dataclass(frozen=True)
class FlashOutcome:
    """The result, or when and why the watch gave up."""

    auction: AuctionRecord
    result: AuctionRecord | None
    polls: int
    deadline: datetime
    last_error: str | None = None

    @property
    def message(self) -> str:
        """What to post when no result came (empty when one did)."""
        if self.result is not None:
            return ""
        name = f"{describe_tenor(self.auction.tenor)} auction of {self.auction.auction_date.isoformat()}"
        by = self.deadline.astimezone(DESK_TZ).strftime("%H:%M")
        why = f" (last error: {self.last_error})" if self.last_error else ""
        return f"No result for the {name} by {by} ET after {self.polls} checks; I stopped watching{why}."


def close_of(auction: AuctionRecord) -> datetime:
    """The competitive close in New York time, read from the record (usual time if it has none)."""
    return datetime.combine(auction.auction_date, auction.close_time, tzinfo=DESK_TZ)


def watch_for_result(
    auction: AuctionRecord,
    poll: Callable[[AuctionRecord], AuctionRecord | None],
    *,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    timeout: timedelta = DEFAULT_TIMEOUT,
) -> FlashOutcome:
    """Poll from the close every `interval_seconds` until results appear or `timeout` after the close.

    A source that errors is tried again at the next poll; the last error is
    reported if the watch gives up.
    """
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    close = close_of(auction)
    deadline = close + timeout
    wait = (close - clock()).total_seconds()
    if wait > 0:
        sleep(wait)
    polls = 0
    last_error: str | None = None
    while True:
        polls += 1
        try:
            result = poll(auction)
        except UpstreamError as error:
            last_error = str(error)
            logger.warning("result flash: %s", error)
            result = None
        if result is not None:
            return FlashOutcome(auction, result, polls, deadline, None)
        remaining = (deadline - clock()).total_seconds()
        if remaining <= 0:
            return FlashOutcome(auction, None, polls, deadline, last_error)
        sleep(min(interval_seconds, remaining))
