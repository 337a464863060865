"""Treasury Fiscal Data: `auctions_query` (results since 1979) and `upcoming_auctions`.

The second source for auctions, and the layout of the shipped history.
Values are strings with `"null"` for missing; `security_type` is only
Bill/Note/Bond in `auctions_query` (TIPS and FRNs are told apart by
`inflation_index_security` and `floating_rate`), while `upcoming_auctions`
says "TIPS Note", "FRN Note" and "CMB".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.records import AuctionFormatError, AuctionRecord
from market.sources.auction_fields import calendar_rows, check_plausible, record_from_row, rows_of

SOURCE = "Treasury Fiscal Data"
AUCTIONS_PATH = "v1/accounting/od/auctions_query"
UPCOMING_PATH = "v1/accounting/od/upcoming_auctions"
PAGE_SIZE = 10000
MAX_PAGES = 20

# Our field → auctions_query's.
AUCTION_FIELDS = {
    "cusip": "cusip",
    "auction_date": "auction_date",
    "announcement_date": "announcemt_date",
    "issue_date": "issue_date",
    "maturity_date": "maturity_date",
    "security_type": "security_type",
    "security_term": "security_term",
    "original_term": "original_security_term",
    "reopening": "reopening",
    "tips": "inflation_index_security",
    "frn": "floating_rate",
    "cmb": "cash_management_bill_cmb",
    "closing_time": "closing_time_comp",
    "offering_amt": "offering_amt",
    "high_yield": "high_yield",
    "median_yield": "avg_med_yield",
    "low_yield": "low_yield",
    "high_discount_rate": "high_discnt_rate",
    "high_investment_rate": "high_investment_rate",
    "high_discount_margin": "high_discnt_margin",
    "coupon": "int_rate",
    "bid_to_cover": "bid_to_cover_ratio",
    "comp_accepted": "comp_accepted",
    "dealer_accepted": "primary_dealer_accepted",
    "direct_accepted": "direct_bidder_accepted",
    "indirect_accepted": "indirect_bidder_accepted",
    "total_accepted": "total_accepted",
    "soma_accepted": "soma_accepted",
}

# Our field → upcoming_auctions' (a calendar: no results, no markers).
UPCOMING_FIELDS = {
    "cusip": "cusip",
    "auction_date": "auction_date",
    "announcement_date": "announcemt_date",
    "issue_date": "issue_date",
    "security_type": "security_type",
    "security_term": "security_term",
    "reopening": "reopening",
    "offering_amt": "offering_amt",
}


def parse_fiscaldata_rows(rows: Iterable[Mapping[str, Any]]) -> list[AuctionRecord]:
    """`auctions_query` rows (from the API's `data`, or the shipped CSV) as records."""
    return [record_from_row(row, AUCTION_FIELDS, SOURCE) for row in rows]


def parse_fiscaldata_auctions(payload: Any) -> list[AuctionRecord]:
    """Records from an `auctions_query` JSON body."""
    return parse_fiscaldata_rows(rows_of(payload, SOURCE))


def parse_fiscaldata_upcoming(payload: Any) -> list[AuctionRecord]:
    """The calendar from an `upcoming_auctions` JSON body (CUSIP may be missing until announced)."""
    rows = calendar_rows(rows_of(payload, SOURCE), UPCOMING_FIELDS["cusip"])
    return [record_from_row(row, UPCOMING_FIELDS, SOURCE) for row in rows]


class FiscalDataSource:
    """`auctions_query` by auction date and the `upcoming_auctions` calendar."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def auctions(self, start: date, end: date, *, bypass_backoff: bool = False) -> list[AuctionRecord]:
        """Every auction held from `start` to `end` (inclusive), following the pages."""
        records: list[AuctionRecord] = []
        page = 1
        while True:
            payload = self._client.get_json(
                AUCTIONS_PATH,
                {
                    "filter": f"auction_date:gte:{start.isoformat()},auction_date:lte:{end.isoformat()}",
                    # Only the columns deskbot reads: a full row is about 3.9 KB.
                    "fields": ",".join(AUCTION_FIELDS.values()),
                    "sort": "auction_date",
                    "page[number]": str(page),
                    "page[size]": str(PAGE_SIZE),
                },
                bypass_backoff=bypass_backoff,
            )
            records.extend(self._parse(parse_fiscaldata_auctions, payload))
            pages = _total_pages(payload)
            if page >= min(pages, MAX_PAGES):
                break
            page += 1
        return [record for record in records if start <= record.auction_date <= end]

    def upcoming(self, today: date) -> list[AuctionRecord]:
        """Auctions on or after `today` in the latest published calendar."""
        payload = self._client.get_json(
            UPCOMING_PATH,
            {"filter": f"auction_date:gte:{today.isoformat()}", "page[number]": "1", "page[size]": str(PAGE_SIZE)},
        )
        records = self._parse(parse_fiscaldata_upcoming, payload)
        return [record for record in records if record.auction_date >= today]

    def _parse(self, parser: Any, payload: Any) -> list[AuctionRecord]:
        try:
            return check_plausible(list(parser(payload)))
        except AuctionFormatError as error:
            raise UpstreamError(self._client.source, f"it sent data I cannot read ({error})") from None


def _total_pages(payload: Any) -> int:
    meta = payload.get("meta") if isinstance(payload, Mapping) else None
    try:
        return int(meta.get("total-pages", 1)) if isinstance(meta, Mapping) else 1
    except (TypeError, ValueError):
        return 1
