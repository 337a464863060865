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
from functools import lru_cache
from importlib import resources

from market.records import AuctionRecord
from market.sources.fiscaldata import parse_fiscaldata_rows
from market.sources.treasurydirect import parse_treasurydirect

FISCALDATA_FILE = "fiscaldata_auctions_query_notes_bonds_2019_2025.csv.gz"
TREASURYDIRECT_FILE = "treasurydirect_securities_search_bonds_1996_2024.json.gz"


def _read(name: str) -> str:
    data = resources.files("market").joinpath("data", "auctions", name).read_bytes()
    return gzip.decompress(data).decode("utf-8")


@lru_cache(maxsize=1)
def shipped_records() -> tuple[AuctionRecord, ...]:
    """Every shipped auction, one record per (CUSIP, auction date), oldest first."""
    fiscaldata = parse_fiscaldata_rows(csv.DictReader(io.StringIO(_read(FISCALDATA_FILE))))
    treasurydirect = parse_treasurydirect(json.loads(_read(TREASURYDIRECT_FILE)))
    # TreasuryDirect carries low and median yields the Fiscal Data extract lacks.
    return tuple(merge(treasurydirect, fiscaldata))


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
