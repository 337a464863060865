"""Building an `AuctionBook` for tests: a real store, real sources pointed at the recorded upstream."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from market.analytics.auctions import DEFAULT_POLICY, AuctionPolicy
from market.auctions.book import AuctionBook
from market.auctions.history import shipped_records
from market.http import UpstreamClient
from market.records import AuctionRecord
from market.sources.fiscaldata import FiscalDataSource
from market.sources.treasurydirect import TreasuryDirectSource
from tests.harness.upstream import FIXTURES, RecordedUpstream

TD_EXCERPT = FIXTURES / "treasurydirect_securities_search_excerpt.json"
FD_BILLS = FIXTURES / "fiscaldata_auctions_query_bills_2026-01.json"
FD_UPCOMING = FIXTURES / "fiscaldata_upcoming_auctions.json"

# TreasuryDirect leaves these "" until results post (the rest of the record is the announcement).
TD_RESULT_FIELDS = (
    "highYield",
    "lowYield",
    "averageMedianYield",
    "bidToCoverRatio",
    "competitiveAccepted",
    "competitiveTendered",
    "primaryDealerAccepted",
    "primaryDealerTendered",
    "directBidderAccepted",
    "directBidderTendered",
    "indirectBidderAccepted",
    "indirectBidderTendered",
    "totalAccepted",
    "totalTendered",
    "somaAccepted",
    "somaTendered",
    "noncompetitiveAccepted",
    "allocationPercentage",
    "highPrice",
    "pricePer100",
    "interestRate",
    "pdfFilenameCompetitiveResults",
    "xmlFilenameCompetitiveResults",
)


def sqlite_store(tmp_path: Path) -> SqlRecordStore:
    return SqlRecordStore(create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"))


def live_book(
    store: SqlRecordStore,
    upstream: RecordedUpstream | None,
    *,
    policy: AuctionPolicy = DEFAULT_POLICY,
    attempts: int = 1,
) -> AuctionBook:
    """A book over the shipped history, with both live sources at the recorded upstream (or none)."""
    if upstream is None:
        return AuctionBook(store, policy=policy)
    treasurydirect = TreasuryDirectSource(
        UpstreamClient("TreasuryDirect", upstream.base_url("treasurydirect"), max_attempts=attempts)
    )
    fiscaldata = FiscalDataSource(
        UpstreamClient("Treasury Fiscal Data", upstream.base_url("fiscaldata"), max_attempts=attempts)
    )
    return AuctionBook(store, treasurydirect, fiscaldata, policy=policy)


def shipped(key: str) -> AuctionRecord:
    """One shipped auction by `CUSIP/YYYY-MM-DD`."""
    matches = [record for record in shipped_records() if record.key == key]
    assert len(matches) == 1, key
    return matches[0]


def td_excerpt() -> list[dict[str, Any]]:
    return json.loads(TD_EXCERPT.read_text())


def without_results(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same TreasuryDirect rows as they read before results post: result fields empty."""
    blanked = copy.deepcopy(rows)
    for row in blanked:
        for name in TD_RESULT_FIELDS:
            if name in row:
                row[name] = ""
    return blanked
