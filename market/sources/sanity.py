"""Checks a payload must pass before anything from it may be stored.

A parser maps fields; these catch payloads that parse but cannot be
real: rows dated far in the future (a broken upstream, or a clock gone
wrong) are dropped, and a payload left with nothing is refused. A body cut
short (a dropped connection, a proxy's limit) is refused as well: a cut in a
CSV's last line or an XML feed's last entry can leave a value that still
reads as a number ("5.12" cut to "5.1").
"""

from __future__ import annotations

import re
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


def require_whole_lines(text: str, error: type[Exception]) -> None:
    """Raises `error` when `text` does not end with a newline: its last line may be cut mid-value.

    For sources whose complete answers always end with one (FRED's CSV, the NY Fed's, a desk's exports).
    """
    if text.strip() and not text.endswith(("\n", "\r")):
        raise error("the CSV is cut short: its last line has no newline at its end")


_PROLOGUE_OR_ROOT = re.compile(r"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>]*>|<([A-Za-z_][\w.:-]*)", re.DOTALL)


def require_closed_root(text: str, error: type[Exception]) -> None:
    """Raises `error` unless the XML ends with the closing tag of its root element (a cut feed does not)."""
    root = next((match.group(1) for match in _PROLOGUE_OR_ROOT.finditer(text) if match.group(1)), None)
    if root is None:
        raise error("the XML is cut short: it has no root element")
    if not re.search(rf"</{re.escape(root)}\s*>\Z", text.rstrip()):
        raise error(f"the XML is cut short: it does not end with </{root}>")
