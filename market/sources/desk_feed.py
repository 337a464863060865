"""The desk's own feed: swap spreads, futures implied repo and futures prices.

No free public source carries these, so a desk points `DESKBOT_DESK_FEED_URL`
at a CSV or JSON file (a path or an http(s) URL) that its terminal exports.
One row per date; columns by our names or by the terminal's (see README,
"Desk feed"). Unknown columns are ignored; a missing cell is missing, never 0.
A CSV whose last line has no newline after it, or JSON that stops before its
last bracket, is cut short (a file still being written, a dropped connection)
and refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from market.http import UpstreamClient, UpstreamError, json_stops_early
from market.missing import float_or_none, text_or_none
from market.sources.sanity import require_whole_lines, without_far_future

FUTURES = ("tu", "fv", "ty", "us", "wn")

# Our column → the spellings accepted for it (compared lower-case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "swap_spread_10y_bp": ("swap_spread_10y_bp", "spread_10y_bp"),
    "swap_spread_30y_bp": ("swap_spread_30y_bp", "spread_30y_bp"),
    **{f"{code}_implied_repo_pct": (f"{code}_implied_repo_pct", f"{code}1_fut_implied_repo_rt") for code in FUTURES},
    **{f"{code}_price": (f"{code}_price", f"{code}1_px_last") for code in FUTURES},
}
ALIASES = {spelling: ours for ours, spellings in COLUMNS.items() for spelling in spellings}
DATE_COLUMNS = ("date", "as_of", "observation_date")


class DeskFeedFormatError(ValueError):
    """The feed is not a layout we can read."""


@dataclass(frozen=True)
class DeskFeedRow:
    """One date's desk-supplied values, by our column names (only those present)."""

    day: date
    values: dict[str, float]


def parse_desk_feed_csv(text: str) -> list[DeskFeedRow]:
    """Rows from a CSV with a `date` column and any of the known columns, oldest first."""
    require_whole_lines(text, DeskFeedFormatError)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    items: list[Mapping[str, Any]] = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            raise DeskFeedFormatError(f"line {line_number} is cut short")
        items.append(dict(zip(header, cells, strict=False)))
    return _rows(items, header)


def parse_desk_feed_json(payload: Any) -> list[DeskFeedRow]:
    """Rows from a JSON list of objects, or `{"rows": [...]}`, oldest first."""
    items = payload.get("rows") if isinstance(payload, Mapping) else payload
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise DeskFeedFormatError('the JSON is not a list of row objects (or {"rows": [...]})')
    names: list[str] = []
    for item in items:
        names.extend(key for key in item if key not in names)
    return _rows(items, names)


def parse_desk_feed(text: str, name: str = "") -> list[DeskFeedRow]:
    """CSV or JSON, told apart by the name's suffix or else by the first character."""
    stripped = text.lstrip("\ufeff").lstrip()
    if name.lower().endswith(".json") or stripped[:1] in ("{", "["):
        try:
            payload = json.loads(stripped)
        except ValueError:
            if json_stops_early(stripped):
                raise DeskFeedFormatError("the JSON is cut short: it stops mid-way") from None
            raise DeskFeedFormatError("it is not valid JSON") from None
        return parse_desk_feed_json(payload)
    return parse_desk_feed_csv(text)


def _rows(items: list[Mapping[str, Any]], names: list[str]) -> list[DeskFeedRow]:
    lowered = {name: name.strip().lower() for name in names if name}
    date_column = next((name for name, low in lowered.items() if low in DATE_COLUMNS), None)
    if date_column is None:
        raise DeskFeedFormatError("it has no `date` column")
    known = {name: ALIASES[low] for name, low in lowered.items() if low in ALIASES}
    if not known:
        raise DeskFeedFormatError(f"none of its columns is one I know (expected e.g. {', '.join(list(COLUMNS)[:3])})")
    rows: dict[date, DeskFeedRow] = {}
    for item in items:
        raw_day = text_or_none(item.get(date_column))
        if raw_day is None:
            continue
        try:
            day = date.fromisoformat(raw_day[:10])
        except ValueError:
            raise DeskFeedFormatError(f"not a date: {raw_day!r}") from None
        values: dict[str, float] = {}
        for name, ours in known.items():
            try:
                value = float_or_none(item.get(name))
            except ValueError:
                raise DeskFeedFormatError(f"not a number in {name} on {day}: {item.get(name)!r}") from None
            if value is not None:
                values[ours] = value
        rows[day] = DeskFeedRow(day, values)
    if rows and not any(row.values for row in rows.values()):
        raise DeskFeedFormatError(f"every value in its {len(rows)} rows is missing")
    return without_far_future([rows[day] for day in sorted(rows)], lambda row: row.day, DeskFeedFormatError)


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def split_url(location: str) -> tuple[str, str]:
    """`http://host/dir/file.csv?x=1` → (`http://host/dir`, `file.csv?x=1`) for an `UpstreamClient`."""
    base, _, name = location.rpartition("/")
    return base, name


class DeskFeedSource:
    """One desk-feed location: a local file path, or an http(s) URL read through `client`."""

    label = "desk feed"

    def __init__(self, location: str, client: UpstreamClient | None = None) -> None:
        if is_url(location) and client is None:
            raise ValueError("an http(s) desk feed needs an UpstreamClient")
        self.location = location
        self._client = client

    def rows(self) -> list[DeskFeedRow]:
        """Every row the feed holds now, oldest first."""
        if self._client is not None and is_url(self.location):
            _base, name = split_url(self.location)
            text = self._client.get_text(name)
        else:
            try:
                text = Path(self.location).expanduser().read_text(encoding="utf-8-sig")
            except OSError as error:
                raise UpstreamError(self.label, f"{self.location} cannot be read ({error.strerror})") from None
        try:
            return parse_desk_feed(text, self.location.split("?")[0])
        except DeskFeedFormatError as error:
            raise UpstreamError(self.label, f"{self.location} is not a feed I can read ({error})") from None
