"""NY Fed Markets API: primary dealer statistics (FR 2004), weekly, in $ millions.

Endpoints: `pd/get/{keyid}.json` (one series' whole history),
`pd/latest/{seriesbreak}.json` and `.csv` (every series at its latest as-of date) and
`pd/list/timeseries.json` (the series catalogue). The JSON answers share one
layout, `{"pd": {"timeseries": [{"asofdate", "keyid", "value"}, ...]}}`, with
values as strings; the shipped history is stored the same way, so
`parse_dealer_series` reads both. The NY Fed writes `"*"` for a value it
withholds: that is missing, like every other spelling of missing, and 0 is a value.
The CSV ends with a newline, so one whose last line has none is cut short, and refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none, field, text_or_none
from market.sources.sanity import require_whole_lines, without_far_future

# The NY Fed's mark for a value withheld to protect a dealer's confidentiality.
SUPPRESSED = "*"
# The series break (FR 2004 form version) in force since 2024-07-03.
CURRENT_BREAK = "SBN2024"
# Column headers of `pd/latest/{seriesbreak}.csv`.
CSV_DATE, CSV_KEY, CSV_VALUE = "As Of Date", "Time Series", "Value (millions)"


class DealerFormatError(ValueError):
    """The payload is not a primary dealer statistics layout we know."""


@dataclass(frozen=True)
class DealerValue:
    """One series on one as-of date (Wednesday for weekly series), $ millions; None = not published or withheld."""

    as_of: date
    keyid: str
    value: Decimal | None


@dataclass(frozen=True)
class DealerSeriesInfo:
    """One entry of the series catalogue."""

    keyid: str
    description: str
    seriesbreak: str | None


def dealer_number(value: Any) -> Decimal | None:
    """A value in $ millions; `"*"` (withheld) and every other spelling of missing are None."""
    text = text_or_none(value)
    if text is None or text == SUPPRESSED:
        return None
    try:
        return decimal_or_none(text)
    except ValueError:
        raise DealerFormatError(f"not a number: {value!r}") from None


def _rows(payload: Any) -> list[Any]:
    pd_block = payload.get("pd") if isinstance(payload, Mapping) else None
    rows = pd_block.get("timeseries") if isinstance(pd_block, Mapping) else None
    if not isinstance(rows, list):
        raise DealerFormatError("the JSON has no pd.timeseries list")
    return rows


def _as_of(text: str | None) -> date:
    if text is None:
        raise DealerFormatError("a row has no as-of date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise DealerFormatError(f"not a date: {text!r}") from None


def parse_dealer_series(payload: Any, keyid: str | None = None) -> list[DealerValue]:
    """Values from `{"pd": {"timeseries": [...]}}`, by series then as-of date.

    `keyid` names the series for rows that do not carry one (a `pd/get/{keyid}` answer).
    """
    values = []
    for row in _rows(payload):
        if not isinstance(row, Mapping):
            raise DealerFormatError("a timeseries entry is not an object")
        key = field(row, "keyid") or keyid
        if key is None:
            raise DealerFormatError("a row has no keyid")
        values.append(DealerValue(_as_of(field(row, "asofdate")), key, dealer_number(row.get("value"))))
    values.sort(key=lambda value: (value.keyid, value.as_of))
    return values


def parse_dealer_latest_csv(text: str) -> list[DealerValue]:
    """Values from `pd/latest/{seriesbreak}.csv` (`"As Of Date","Time Series","Value (millions)"`)."""
    require_whole_lines(text, DealerFormatError)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or not {CSV_DATE, CSV_KEY, CSV_VALUE} <= set(reader.fieldnames):
        raise DealerFormatError(f"the CSV header is not {CSV_DATE!r}, {CSV_KEY!r}, {CSV_VALUE!r}")
    values = []
    for row in reader:
        key = field(row, CSV_KEY)
        if key is None:
            raise DealerFormatError("a CSV row has no series key")
        values.append(DealerValue(_as_of(field(row, CSV_DATE)), key, dealer_number(row.get(CSV_VALUE))))
    values.sort(key=lambda value: (value.keyid, value.as_of))
    return values


def parse_dealer_catalogue(payload: Any) -> list[DealerSeriesInfo]:
    """The catalogue from `pd/list/timeseries.json`: key, description, series break."""
    catalogue = []
    for row in _rows(payload):
        if not isinstance(row, Mapping) or field(row, "keyid") is None:
            raise DealerFormatError("a catalogue entry has no keyid")
        catalogue.append(
            DealerSeriesInfo(str(field(row, "keyid")), field(row, "description") or "", field(row, "seriesbreak"))
        )
    return catalogue


class NyFedDealerSource:
    """Primary dealer statistics from the NY Fed Markets API (no key)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def series(self, keyid: str) -> list[DealerValue]:
        """One series' whole history, oldest first."""
        payload = self._client.get_json(f"pd/get/{keyid}.json")
        return self._checked(lambda: parse_dealer_series(payload, keyid), "a series")

    def latest(self, seriesbreak: str = CURRENT_BREAK) -> list[DealerValue]:
        """Every series of `seriesbreak` in its latest week (JSON)."""
        payload = self._client.get_json(f"pd/latest/{seriesbreak}.json")
        return self._checked(lambda: parse_dealer_series(payload), "the latest week")

    def latest_csv(self, seriesbreak: str = CURRENT_BREAK) -> list[DealerValue]:
        """Every series of `seriesbreak` in its latest week (CSV)."""
        text = self._client.get_text(f"pd/latest/{seriesbreak}.csv")
        return self._checked(lambda: parse_dealer_latest_csv(text), "the latest week")

    def catalogue(self) -> list[DealerSeriesInfo]:
        """The series the API currently describes."""
        payload = self._client.get_json("pd/list/timeseries.json")
        try:
            return parse_dealer_catalogue(payload)
        except DealerFormatError as error:
            raise UpstreamError(self._client.source, f"it sent a catalogue I cannot read ({error})") from None

    def _checked(self, parse: Callable[[], list[DealerValue]], what: str) -> list[DealerValue]:
        try:
            return without_far_future(parse(), lambda value: value.as_of, DealerFormatError)
        except DealerFormatError as error:
            raise UpstreamError(self._client.source, f"it sent {what} I cannot read ({error})") from None
