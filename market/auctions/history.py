"""The auction history shipped inside the package (see `market/data/auctions/PROVENANCE.md`).

Read once per process through the live sources' own parsers, so the shipped
files and live answers cannot drift apart.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from market.missing import decimal_or_none
from market.records import AuctionRecord
from market.sources.fiscaldata import parse_fiscaldata_rows
from market.sources.treasurydirect import SOURCE as TREASURYDIRECT_SOURCE
from market.sources.treasurydirect import parse_treasurydirect

FISCALDATA_FILE = "fiscaldata_auctions_query_notes_bonds_2019_2025.csv.gz"
TREASURYDIRECT_FILE = "treasurydirect_securities_search_bonds_1996_2024.json.gz"
MEDIAN_YIELDS_FILE = "treasurydirect_jqsearch_median_yields_2019_2026.csv.gz"
BILLS_FILE = "treasurydirect_jqsearch_bills_2019_2025.csv.gz"


def _read(name: str) -> str:
    data = resources.files("market").joinpath("data", "auctions", name).read_bytes()
    return gzip.decompress(data).decode("utf-8")


@lru_cache(maxsize=1)
def shipped_records() -> tuple[AuctionRecord, ...]:
    """Every shipped auction, one record per (CUSIP, auction date), oldest first."""
    fiscaldata = parse_fiscaldata_rows(csv.DictReader(io.StringIO(_read(FISCALDATA_FILE))))
    treasurydirect = parse_treasurydirect(json.loads(_read(TREASURYDIRECT_FILE)))
    bills = parse_treasurydirect(list(csv.DictReader(io.StringIO(_read(BILLS_FILE)))))
    # TreasuryDirect carries low and median yields the Fiscal Data extract lacks.
    return tuple(with_median_yields(merge(treasurydirect, fiscaldata, bills), shipped_median_yields()))


MedianYields = dict[tuple[str, date], tuple[Decimal | None, Decimal | None, Decimal | None]]


def shipped_median_yields() -> MedianYields:
    """TreasuryDirect's (high, median, low) yield by (CUSIP, issue date), notes and bonds issued from 2019."""
    found: MedianYields = {}
    for row in csv.DictReader(io.StringIO(_read(MEDIAN_YIELDS_FILE))):
        key = (row["cusip"], date.fromisoformat(row["issueDate"][:10]))
        found[key] = (
            decimal_or_none(row["highYield"]),
            decimal_or_none(row["averageMedianYield"]),
            decimal_or_none(row["lowYield"]),
        )
    return found


def with_median_yields(records: Iterable[AuctionRecord], yields: MedianYields) -> list[AuctionRecord]:
    """Fill a missing median and low yield from TreasuryDirect, where its high yield agrees (the same auction)."""
    filled = []
    for record in records:
        found = yields.get((record.cusip, record.issue_date)) if record.issue_date is not None else None
        if found is not None and record.median_yield is None and found[0] == record.high_yield:
            record = replace(
                record,
                median_yield=found[1],
                low_yield=record.low_yield if record.low_yield is not None else found[2],
                median_source=TREASURYDIRECT_SOURCE if record.source != TREASURYDIRECT_SOURCE else None,
            )
        filled.append(record)
    return filled


def merge(preferred: Iterable[AuctionRecord], *others: Iterable[AuctionRecord]) -> list[AuctionRecord]:
    """One record per auction: `preferred` wins, gaps are filled from the others in turn."""
    by_key: dict[str, AuctionRecord] = {}
    for record in preferred:
        by_key[record.key] = record
    for group in others:
        for record in group:
            existing = by_key.get(record.key)
            by_key[record.key] = record if existing is None else existing.merged_over(record)
    return sorted(by_key.values(), key=lambda record: (record.auction_date, record.tenor, record.cusip))
