"""Checks a payload must pass before anything from it may be stored.

A parser maps fields; these catch payloads that parse but cannot be
real: rows dated far in the future (a broken upstream, or a clock gone
wrong) are dropped, and a payload left with nothing is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TypeVar

# Auction calendars reach a few months ahead; nothing any source publishes is dated further than this.
FAR_AHEAD = timedelta(days=400)

Row = TypeVar("Row")


def without_far_future(
    rows: Sequence[Row], day_of: Callable[[Row], date], error: type[Exception], today: date | None = None
) -> list[Row]:
    """`rows` less those dated more than `FAR_AHEAD` after `today` (the system date).

    Raises `error` when that leaves nothing of a payload that had rows.
    """
    limit = (today or date.today()) + FAR_AHEAD
    kept = [row for row in rows if day_of(row) <= limit]
    if rows and not kept:
        raise error(f"every row is dated far in the future (e.g. {day_of(rows[0]).isoformat()})")
    return kept
