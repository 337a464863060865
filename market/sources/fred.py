"""FRED: the API's `series/observations` (JSON, needs a key) and the keyless CSV layouts.

Every layout FRED has served goes through the same parsers: the old CSV
(`DATE,<ID>`, missing as `.`), the current CSV (`observation_date,…`,
missing as an empty cell) and the JSON observations (`value` a string,
missing as `"."`). FRED ends its CSV with a newline, so one whose last
line has none is cut short, and refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none, field
from market.sources.sanity import require_whole_lines, without_far_future

DATE_HEADERS = ("observation_date", "date")


@dataclass(frozen=True)
class Observation:
    """One day's value of a FRED series; `value` None when FRED has none that day."""

    day: date
    value: Decimal | None


class FredFormatError(ValueError):
    """The payload is not a FRED layout we know."""


def parse_fred_csv(text: str) -> dict[str, list[Observation]]:
    """Series id → observations, from either CSV layout (one or many series)."""
    require_whole_lines(text, FredFormatError)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise FredFormatError("the CSV is empty") from None
    if not header or header[0].lower() not in DATE_HEADERS or len(header) < 2:
        raise FredFormatError(f"unexpected CSV header {header[:3]!r}")
    series: dict[str, list[Observation]] = {name: [] for name in header[1:]}
    for line_number, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        if len(row) < len(header):
            raise FredFormatError(f"line {line_number} is cut short")
        day = _date(row[0])
        for name, cell in zip(header[1:], row[1:], strict=False):
            series[name].append(Observation(day, _value(cell)))
    return series


def parse_fred_observations(payload: Any) -> list[Observation]:
    """Observations from the API's JSON (`{"observations": [{"date", "value"}, …]}`)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("observations"), list):
        raise FredFormatError("the JSON has no observations list")
    observations = []
    for item in payload["observations"]:
        raw_day = field(item, "date") if isinstance(item, Mapping) else None
        if raw_day is None:
            raise FredFormatError("an observation has no date")
        observations.append(Observation(_date(raw_day), _value(item.get("value"))))
    return observations


def plausible(observations: list[Observation], values_required: bool = True) -> list[Observation]:
    """Observations less those dated far ahead; several observations that are all missing are refused.

    One missing observation is a holiday; every one missing is an upstream
    that lost its values (or renamed the field), not data.
    """
    kept = without_far_future(observations, lambda observation: observation.day, FredFormatError)
    if values_required and len(kept) > 1 and all(observation.value is None for observation in kept):
        raise FredFormatError(f"every one of its {len(kept)} values is missing")
    return kept


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FredFormatError(f"not a date: {text!r}") from None


def _value(cell: Any) -> Decimal | None:
    try:
        return decimal_or_none(cell)
    except ValueError:
        raise FredFormatError(f"not a number: {cell!r}") from None


class FredSource:
    """FRED's API (needs `FRED_API_KEY`), or without a key its graph CSV download."""

    def __init__(self, client: UpstreamClient, api_key: str | None, graph: UpstreamClient | None = None) -> None:
        self._client = client
        self._api_key = api_key
        self._graph = graph

    @property
    def configured(self) -> bool:
        return bool(self._api_key) or self._graph is not None

    def many(self, series_ids: list[str], start: date | None = None) -> dict[str, list[Observation]]:
        """Several series: one API call each with a key, else one keyless CSV download for all."""
        if self._api_key or self._graph is None:
            return {series_id: self.observations(series_id, start) for series_id in series_ids}
        params = {"id": ",".join(series_ids)}
        if start is not None:
            params["cosd"] = start.isoformat()
        text = self._graph.get_text("fredgraph.csv", params)
        try:
            found = parse_fred_csv(text)
            missing = [series_id for series_id in series_ids if series_id not in found]
            if missing:
                raise UpstreamError(self._graph.source, f"its CSV has no column for {', '.join(missing)}")
            # A series may have no values in the window (DGS1MO before 2001); all of them none is refused.
            plausible([observation for series_id in series_ids for observation in found[series_id]])
            dated = {series_id: plausible(found[series_id], values_required=False) for series_id in series_ids}
            return dated
        except FredFormatError as error:
            raise UpstreamError(self._graph.source, f"it sent data I cannot read ({error})") from None

    def observations(self, series_id: str, start: date | None = None, end: date | None = None) -> list[Observation]:
        """The series from `start` to `end` (inclusive), oldest first."""
        if not self._api_key:
            raise UpstreamError(self._client.source, "FRED_API_KEY is not set")
        params: dict[str, str] = {"series_id": series_id, "api_key": self._api_key, "file_type": "json"}
        if start is not None:
            params["observation_start"] = start.isoformat()
        if end is not None:
            params["observation_end"] = end.isoformat()
        payload = self._client.get_json("series/observations", params)
        try:
            return plausible(parse_fred_observations(payload))
        except FredFormatError as error:
            raise UpstreamError(self._client.source, f"it sent data I cannot read ({error})") from None
