"""Treasury's daily par yield curve: the yearly CSV download and the XML (Atom) feed.

The CSV's column set changes by year ("4 Mo" from 2022-10-19, "1.5 Month"
from 2025-02-18), rows run newest first and dates are `MM/DD/YYYY`, so
columns are mapped by header name and dates accept both `MM/DD/YYYY` and
ISO. The project's shipped history uses the same layout and this parser.

Treasury's yearly CSV ends without a newline after its last (oldest) row,
so a missing final newline alone does not tell a cut body; that last line
must then have every column and end in a yield printed to Treasury's two
decimals. The XML feed must end with its root's closing tag.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none, is_missing
from market.sources.sanity import require_closed_root, without_far_future
from market.tenors import BY_CSV_HEADER, BY_XML_FIELD

CSV_PATH = "daily-treasury-rates.csv/{year}/all"
XML_PATH = "pages/xml"
# A year's file is "all" rows of that year; the type selects the par curve.
CURVE_TYPE = "daily_treasury_yield_curve"

# Yields outside this range are not par yields (garbage, or a unit change).
PLAUSIBLE_PERCENT = (Decimal("-5"), Decimal("30"))
# How Treasury prints every par yield: "5.12", never "5.1" (which a cut body can leave).
PUBLISHED_YIELD = re.compile(r"-?\d+\.\d\d")


@dataclass(frozen=True)
class CurveRow:
    """One day's par curve: tenor key → yield in percent (None where not published)."""

    day: date
    yields: Mapping[str, Decimal | None]


class CurveFormatError(ValueError):
    """The payload is not a par yield curve layout we know."""


def parse_par_yield_csv(text: str) -> list[CurveRow]:
    """Rows from a Treasury par yield CSV of any year's layout, oldest first."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise CurveFormatError("the CSV is empty") from None
    if not header or header[0].lower() != "date":
        raise CurveFormatError(f"the CSV does not start with a Date column (got {header[:2]!r})")
    columns = {index: BY_CSV_HEADER[name.lower()] for index, name in enumerate(header) if name.lower() in BY_CSV_HEADER}
    if not columns:
        raise CurveFormatError(f"the CSV has no tenor columns I know (got {header[1:4]!r})")
    _require_whole_last_line(text, len(header))
    rows = []
    for line_number, cells in enumerate(reader, start=2):
        if not cells or not cells[0].strip():
            continue
        if len(cells) < len(header):
            raise CurveFormatError(f"line {line_number} is cut short")
        yields = {tenor: _percent(cells[index], line_number) for index, tenor in columns.items()}
        rows.append(CurveRow(_csv_date(cells[0], line_number), yields))
    if not rows:
        raise CurveFormatError("the CSV has a header but no rows")
    return _published(rows)


def _require_whole_last_line(text: str, fields: int) -> None:
    """Refuses a body whose last line, having no newline after it, may have been cut mid-value.

    A line with a newline after it is whole. The unterminated last line must have
    all `fields` and end in a yield as Treasury prints it (two decimals); its last
    cell may be empty only where the line above has none either (the 30-year in
    2002-2006), since a body cut just after a comma ends in an empty cell too.
    """
    if text.endswith(("\n", "\r")):
        return
    lines = text.rsplit("\n", 2)  # [..., the line above (or the header), the last line]
    if len(lines) < 2:
        return  # the header alone: refused for having no rows
    last = next(csv.reader([lines[-1]]), [])
    if not last or not last[0].strip():
        return  # a blank line is skipped
    if len(last) < fields:
        raise CurveFormatError(f"the CSV is cut short: its last line has {len(last)} of {fields} fields")
    if len(last) > fields:
        return  # the cut is past the columns read
    final = last[-1].strip()
    if PUBLISHED_YIELD.fullmatch(final):
        return
    above = next(csv.reader([lines[-2]]), []) if len(lines) == 3 else []
    if is_missing(final) and len(above) == fields and is_missing(above[-1]):
        return
    raise CurveFormatError(f"the CSV is cut short: its last line ends in {final!r}, not a yield to two decimals")


def _published(rows: list[CurveRow]) -> list[CurveRow]:
    """Rows with at least one yield, oldest first; a layout whose every row is empty is refused.

    A date with no yield at all is not a close (and must not replace one that is stored).
    """
    kept = [row for row in rows if any(value is not None for value in row.yields.values())]
    if not kept:
        raise CurveFormatError(f"every one of its {len(rows)} rows has no yield")
    kept.sort(key=lambda row: row.day)
    return kept


_PROPERTIES = re.compile(r"<m:properties[^>]*>(.*?)</m:properties>", re.DOTALL)
_ELEMENT = re.compile(r"<d:(\w+)([^>]*?)(?:/>|>(.*?)</d:\1>)", re.DOTALL)


def parse_par_yield_xml(text: str) -> list[CurveRow]:
    """Rows from the Atom/OData feed, oldest first.

    Missing values are an omitted element (new feed), `m:null="true"` (old
    feed) or an empty element. A feed that does not end with its root's
    closing tag is cut short, and refused.
    """
    require_closed_root(text, CurveFormatError)
    rows = []
    for block in _PROPERTIES.findall(text):
        values: dict[str, str | None] = {}
        for name, attributes, content in _ELEMENT.findall(block):
            is_null = 'm:null="true"' in attributes
            values[name] = None if is_null else content
        raw_day = values.get("NEW_DATE")
        if not raw_day:
            raise CurveFormatError("an entry has no NEW_DATE")
        try:
            day = datetime.fromisoformat(raw_day.strip()).date()
        except ValueError:
            raise CurveFormatError(f"NEW_DATE {raw_day!r} is not a date") from None
        yields = {tenor: _percent(values.get(xml_field), 0) for xml_field, tenor in BY_XML_FIELD.items()}
        rows.append(CurveRow(day, yields))
    if not rows:
        raise CurveFormatError("the XML has no complete entries")
    return _published(rows)


def _csv_date(text: str, line_number: int) -> date:
    cleaned = text.strip()
    for layout in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, layout).date()
        except ValueError:
            continue
    raise CurveFormatError(f"line {line_number}: {cleaned[:20]!r} is not a date")


def _percent(cell: str | None, line_number: int) -> Decimal | None:
    try:
        value = decimal_or_none(cell)
    except ValueError:
        raise CurveFormatError(f"line {line_number}: {str(cell)[:20]!r} is not a yield") from None
    if value is not None and not (PLAUSIBLE_PERCENT[0] <= value <= PLAUSIBLE_PERCENT[1]):
        raise CurveFormatError(f"line {line_number}: {value}% is not a plausible yield")
    return value


class TreasuryRatesSource:
    """Fetches a year of the par curve (CSV, falling back to the XML feed)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def year(self, year: int) -> list[CurveRow]:
        """Every published day of `year`; the XML feed is tried when the CSV fails.

        When both fail, both reasons are reported, the CSV's (the primary layout) first.
        """
        try:
            text = self._client.get_text(
                CSV_PATH.format(year=year),
                {"type": CURVE_TYPE, "field_tdr_date_value": str(year), "page": "", "_format": "csv"},
            )
            return _plausible(parse_par_yield_csv(text))
        except (UpstreamError, CurveFormatError) as csv_error:
            try:
                text = self._client.get_text(XML_PATH, {"data": CURVE_TYPE, "field_tdr_date_value": str(year)})
                return _plausible(parse_par_yield_xml(text))
            except (UpstreamError, CurveFormatError) as xml_error:
                raise _both_failed(self.name, csv_error, xml_error) from None


def _plausible(rows: list[CurveRow]) -> list[CurveRow]:
    return without_far_future(rows, lambda row: row.day, CurveFormatError)


def _as_upstream_error(source: str, error: Exception) -> UpstreamError:
    if isinstance(error, UpstreamError):
        return error
    return UpstreamError(source, f"it sent data I cannot read ({error})")


def _both_failed(source: str, csv_error: Exception, xml_error: Exception) -> UpstreamError:
    """The CSV's failure, with the XML feed's when it failed differently."""
    first, second = _as_upstream_error(source, csv_error), _as_upstream_error(source, xml_error)
    if second.reason == first.reason or second.reason.startswith(first.reason):
        return first
    return UpstreamError(source, f"{first.reason} (XML feed: {second.reason})")
