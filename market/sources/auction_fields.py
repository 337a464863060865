"""The one mapping from an upstream auction row to `AuctionRecord`.

TreasuryDirect and Fiscal Data name the same facts differently; each source
passes its field map, and every value goes through `market.missing`, so
`""`, `"null"` and absent keys are missing while `"0"` stays zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from market.missing import decimal_or_none, field
from market.records import (
    AuctionFormatError,
    AuctionRecord,
    kind_of,
    parse_clock,
    parse_day,
    parse_flag,
)
from market.sources.sanity import without_far_future

# Our names for the facts both sources carry (the keys of a source's field map).
DECIMAL_FIELDS = (
    "offering_amt",
    "high_yield",
    "median_yield",
    "low_yield",
    "high_discount_rate",
    "high_investment_rate",
    "median_discount_rate",
    "high_discount_margin",
    "coupon",
    "bid_to_cover",
    "comp_accepted",
    "dealer_accepted",
    "direct_accepted",
    "indirect_accepted",
    "total_accepted",
    "soma_accepted",
)
DATE_FIELDS = ("auction_date", "announcement_date", "issue_date", "maturity_date")


def record_from_row(row: Mapping[str, Any], names: Mapping[str, str], source: str) -> AuctionRecord:
    """One upstream row as an `AuctionRecord`; `names` maps our field names to the source's."""
    if not isinstance(row, Mapping):
        raise AuctionFormatError("a row is not an object")

    def raw(ours: str) -> str | None:
        theirs = names.get(ours)
        return field(row, theirs) if theirs else None

    cusip = raw("cusip")
    auction_date = parse_day(raw("auction_date"))
    term = raw("security_term")
    if cusip is None or auction_date is None or term is None:
        raise AuctionFormatError("a row has no CUSIP, auction date or security term")
    values: dict[str, Any] = {}
    for name in DECIMAL_FIELDS:
        try:
            values[name] = decimal_or_none(raw(name))
        except ValueError as error:
            raise AuctionFormatError(f"{names[name]}: {error}") from None
    for name in DATE_FIELDS[1:]:
        values[name] = parse_day(raw(name))
    kind = kind_of(
        raw("type_label") or raw("security_type"),
        tips=parse_flag(raw("tips")),
        frn=parse_flag(raw("frn")),
        cmb=parse_flag(raw("cmb")),
    )
    # "TIPS Note" (Fiscal Data's calendar) is a Note; TreasuryDirect's `securityType` is Bill/Note/Bond.
    security_type = (raw("security_type") or "").split()[-1].title()
    return AuctionRecord(
        cusip=cusip.upper(),
        auction_date=auction_date,
        kind=kind,
        security_type="Bill" if security_type == "Cmb" else security_type,
        security_term=term,
        source=source,
        original_term=raw("original_term"),
        reopening=parse_flag(raw("reopening")),
        closing_time=parse_clock(raw("closing_time")),
        **values,
    )


# What a calendar shows for an auction whose CUSIP is not assigned yet.
UNASSIGNED_CUSIP = "TBA"


def calendar_rows(rows: list[Mapping[str, Any]], cusip_field: str) -> list[Mapping[str, Any]]:
    """Calendar rows, with a CUSIP not yet assigned shown as `TBA` rather than refused."""
    return [
        {**row, cusip_field: UNASSIGNED_CUSIP} if isinstance(row, Mapping) and field(row, cusip_field) is None else row
        for row in rows
    ]


def rows_of(payload: Any, source: str) -> list[Mapping[str, Any]]:
    """The row list in a payload: a bare array, or wrapped in `data` / `securityList`."""
    if isinstance(payload, Mapping):
        for key in ("data", "securityList"):
            if isinstance(payload.get(key), list):
                return list(payload[key])
        raise AuctionFormatError(f"{source}: the JSON has no list of auctions")
    if isinstance(payload, list):
        return payload
    raise AuctionFormatError(f"{source}: the payload is not a list of auctions")


def check_plausible(records: list[AuctionRecord]) -> list[AuctionRecord]:
    """`records` less auctions dated far in the future (maturities may be; auctions are not)."""
    return without_far_future(records, lambda record: record.auction_date, AuctionFormatError)
