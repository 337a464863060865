"""OFR Short-term Funding Monitor API: repo rates and volumes by venue (DVP, GCF, tri-party).

`series/timeseries?mnemonic=…` answers a bare `[[date, value], …]`; the
shipped history is in the API's `series/multifull` layout,
`{"MNEMONIC": {"timeseries": {"aggregation": [[date, value], …]}}}`, whose
pairs go through the same `parse_ofr_pairs`. Rates are in percent, volumes in
dollars; `null` (no trading, or an OFR disclosure edit) and every other
spelling of missing are missing, and 0 is a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none
from market.sources.sanity import without_far_future


class OfrFormatError(ValueError):
    """The payload is not an OFR Short-term Funding Monitor layout we know."""


@dataclass(frozen=True)
class OfrObservation:
    """One day of one series; None = not published that day."""

    day: date
    value: Decimal | None


def _day(value: Any) -> date:
    """`"2025-04-09"`, or milliseconds since 1970 (the API's `time_format=ms`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise OfrFormatError(f"not a date: {value!r}")


def parse_ofr_pairs(payload: Any) -> list[OfrObservation]:
    """Observations from `[[date, value], …]`, oldest first."""
    if not isinstance(payload, list):
        raise OfrFormatError("the JSON is not a list of [date, value] pairs")
    observations = []
    for pair in payload:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise OfrFormatError(f"not a [date, value] pair: {pair!r}")
        try:
            value = decimal_or_none(pair[1])
        except ValueError:
            raise OfrFormatError(f"not a number: {pair[1]!r}") from None
        observations.append(OfrObservation(_day(pair[0]), value))
    observations.sort(key=lambda observation: observation.day)
    return observations


def parse_ofr_multifull(payload: Any) -> dict[str, list[OfrObservation]]:
    """Each mnemonic's observations from the `series/full` / `series/multifull` layout."""
    if not isinstance(payload, Mapping) or not payload:
        raise OfrFormatError("the JSON is not an object of series by mnemonic")
    series = {}
    for mnemonic, body in payload.items():
        timeseries = body.get("timeseries") if isinstance(body, Mapping) else None
        pairs = timeseries.get("aggregation") if isinstance(timeseries, Mapping) else None
        if pairs is None:
            raise OfrFormatError(f"{mnemonic} has no timeseries.aggregation")
        series[str(mnemonic)] = parse_ofr_pairs(pairs)
    return series


class OfrSource:
    """The OFR Short-term Funding Monitor API (no key)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def timeseries(self, mnemonic: str, start: date | None = None, end: date | None = None) -> list[OfrObservation]:
        """One series from `start` to `end` (inclusive, either open), oldest first."""
        params = {"mnemonic": mnemonic}
        if start is not None:
            params["start_date"] = start.isoformat()
        if end is not None:
            params["end_date"] = end.isoformat()
        payload = self._client.get_json("series/timeseries", params)
        try:
            return without_far_future(parse_ofr_pairs(payload), lambda o: o.day, OfrFormatError)
        except OfrFormatError as error:
            raise UpstreamError(self._client.source, f"it sent {mnemonic} in a form I cannot read ({error})") from None
