"""TreasuryDirect's auction web service (`TA_WS`): results, announcements, the calendar.

The primary source for auctions: results post here minutes after the close.
Every value is a JSON string and `""` means missing; result fields stay
empty until the results post, which is what the flash watcher polls for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.records import AuctionFormatError, AuctionRecord
from market.sources.auction_fields import calendar_rows, check_plausible, record_from_row, rows_of

SOURCE = "TreasuryDirect"
MAX_RESULTS = 250

# Our field → TreasuryDirect's.
FIELDS = {
    "cusip": "cusip",
    "auction_date": "auctionDate",
    "announcement_date": "announcementDate",
    "issue_date": "issueDate",
    "maturity_date": "maturityDate",
    "security_type": "securityType",
    "type_label": "type",
    "security_term": "securityTerm",
    "original_term": "originalSecurityTerm",
    "reopening": "reopening",
    "tips": "tips",
    "frn": "floatingRate",
    "cmb": "cashManagementBillCMB",
    "closing_time": "closingTimeCompetitive",
    "offering_amt": "offeringAmount",
    "high_yield": "highYield",
    "median_yield": "averageMedianYield",
    "low_yield": "lowYield",
    "high_discount_rate": "highDiscountRate",
    "high_investment_rate": "highInvestmentRate",
    "median_discount_rate": "averageMedianDiscountRate",
    "high_discount_margin": "highDiscountMargin",
    "coupon": "interestRate",
    "bid_to_cover": "bidToCoverRatio",
    "comp_accepted": "competitiveAccepted",
    "dealer_accepted": "primaryDealerAccepted",
    "direct_accepted": "directBidderAccepted",
    "indirect_accepted": "indirectBidderAccepted",
    "total_accepted": "totalAccepted",
    "soma_accepted": "somaAccepted",
}


def parse_treasurydirect(payload: Any, *, calendar: bool = False) -> list[AuctionRecord]:
    """Records from a `securities/search|auctioned|announced|upcoming` JSON body.

    With `calendar`, an auction announced before its CUSIP is assigned reads as `TBA`.
    """
    rows = rows_of(payload, SOURCE)
    if calendar:
        rows = calendar_rows(rows, FIELDS["cusip"])
    return [record_from_row(row, FIELDS, SOURCE) for row in rows]


def _us_date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


class TreasuryDirectSource:
    """The `TA_WS` endpoints deskbot reads, always asking for JSON."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def search(self, start: date, end: date, *, bypass_backoff: bool = False) -> list[AuctionRecord]:
        """Every auction held from `start` to `end` (inclusive), results where posted."""
        return self.search_window(start, end, bypass_backoff=bypass_backoff)[0]

    def search_window(
        self, start: date, end: date, *, bypass_backoff: bool = False
    ) -> tuple[list[AuctionRecord], bool]:
        """The auctions held from `start` to `end`, and whether the answer was complete.

        TreasuryDirect answers at most `MAX_RESULTS` records; a full page may have left some out.
        """
        params = {
            "format": "json",
            "startDate": _us_date(start),
            "endDate": _us_date(end),
            "dateFieldName": "auctionDate",
        }
        records = self._read("securities/search", params, bypass_backoff=bypass_backoff)
        within = [record for record in records if start <= record.auction_date <= end]
        return within, len(records) < MAX_RESULTS

    def upcoming(self) -> list[AuctionRecord]:
        """Announced auctions not yet held."""
        return self._read("securities/upcoming", {"format": "json"}, calendar=True)

    def announced(self) -> list[AuctionRecord]:
        """The latest announcements (may include auctions already held)."""
        return self._read("securities/announced", {"format": "json", "pagesize": "50"}, calendar=True)

    def _read(
        self, path: str, params: dict[str, str], *, calendar: bool = False, bypass_backoff: bool = False
    ) -> list[AuctionRecord]:
        payload = self._client.get_json(path, params, bypass_backoff=bypass_backoff)
        try:
            return check_plausible(parse_treasurydirect(payload, calendar=calendar))
        except AuctionFormatError as error:
            raise UpstreamError(self._client.source, f"it sent data I cannot read ({error})") from None
