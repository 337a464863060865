"""When-issued yields from the desk's own feed (no public source publishes them).

The feed is a CSV or JSON file, or an http(s) URL serving one. Schema:

    tenor,wi_yield,as_of
    10y,4.460,2025-04-09T13:00

`tenor` as deskbot names it (`10y`, `30y`, `tips10y`, …) or `cusip`
instead; `wi_yield` in percent; `as_of` the quote's New York date or
date-time. JSON is a list of such objects (or `{"quotes": [...]}`); values
may be strings or numbers. For an auction, the latest quote of that tenor
or CUSIP dated on the auction day and not after its close is used.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import field, float_or_none
from market.records import AuctionRecord
from market.sources.sanity import require_whole_lines

SOURCE = "desk WI feed"


@dataclass(frozen=True)
class WiQuote:
    """One when-issued yield, for a tenor or a CUSIP, at a New York time."""

    wi_yield: float
    day: date
    at: time | None
    tenor: str | None = None
    cusip: str | None = None


class WiFeedError(ValueError):
    """The feed is not in the documented schema."""


def parse_wi_feed(text: str) -> list[WiQuote]:
    """Quotes from the feed's text, CSV or JSON (told apart by the first character)."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return []
    if stripped[0] in "[{":
        try:
            payload = json.loads(stripped)
        except ValueError:
            raise WiFeedError("the JSON does not parse") from None
        rows = payload.get("quotes") if isinstance(payload, Mapping) else payload
        if not isinstance(rows, list):
            raise WiFeedError("the JSON is neither a list of quotes nor {'quotes': [...]}")
    else:
        require_whole_lines(text, WiFeedError)  # a cut last line could read 4.4 for 4.41
        rows = list(csv.DictReader(io.StringIO(stripped)))
    return [_quote(row) for row in rows]


def _quote(row: Any) -> WiQuote:
    if not isinstance(row, Mapping):
        raise WiFeedError("a quote is not an object")
    row = {str(key).strip().lower(): value for key, value in row.items()}
    try:
        wi = float_or_none(row.get("wi_yield"))
    except ValueError:
        raise WiFeedError(f"wi_yield is not a number: {row.get('wi_yield')!r}") from None
    if wi is None or not math.isfinite(wi):
        raise WiFeedError("a quote has no wi_yield")
    stamp = field(row, "as_of")
    if stamp is None:
        raise WiFeedError("a quote has no as_of date")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        raise WiFeedError(f"as_of is not a date: {stamp!r}") from None
    tenor, cusip = field(row, "tenor"), field(row, "cusip")
    if tenor is None and cusip is None:
        raise WiFeedError("a quote has neither tenor nor cusip")
    at = moment.time() if "T" in stamp or " " in stamp else None
    return WiQuote(wi, moment.date(), at, tenor.lower() if tenor else None, cusip.upper() if cusip else None)


def quote_for(quotes: list[WiQuote], record: AuctionRecord) -> WiQuote | None:
    """The latest quote for this auction's tenor or CUSIP on its day, not after the close."""
    chosen = [
        quote
        for quote in quotes
        if quote.day == record.auction_date
        and (quote.cusip == record.cusip or (quote.cusip is None and quote.tenor == record.tenor))
        and (quote.at is None or quote.at <= record.close_time)
    ]
    return max(chosen, key=lambda quote: quote.at or time(0), default=None)


class WiFeed:
    """The configured feed: a local file, or a URL read through an `UpstreamClient`."""

    def __init__(self, location: str, client: UpstreamClient | None = None, path: str = "") -> None:
        self.location = location
        self._client = client
        self._path = path

    @classmethod
    def from_setting(cls, location: str) -> WiFeed:
        """A file path, or an http(s) URL (its last segment read from its directory)."""
        if location.startswith(("http://", "https://")):
            base, _, name = location.rpartition("/")
            return cls(location, UpstreamClient(SOURCE, base), name)
        return cls(location)

    def quotes(self) -> list[WiQuote]:
        """Every quote in the feed now; `UpstreamError` in plain words if unreadable."""
        try:
            if self._client is not None:
                text = self._client.get_text(self._path)
            else:
                text = Path(self.location).expanduser().read_text(encoding="utf-8")
            return parse_wi_feed(text)
        except OSError as error:
            raise UpstreamError(SOURCE, f"{self.location} cannot be read ({error.strerror or error})") from None
        except WiFeedError as error:
            raise UpstreamError(SOURCE, f"{self.location} is not in the WI feed schema ({error})") from None

    def wi_for(self, record: AuctionRecord) -> float | None:
        """The WI yield for `record`, or None if the feed has none for it."""
        quote = quote_for(self.quotes(), record)
        return None if quote is None else quote.wi_yield
