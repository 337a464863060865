"""What commands need from the domain, built by `bot/` from settings and handed down.

Each domain adds its entry point here; `commands.dispatch.build_registry`
registers a domain's commands only when its service is present.
"""

from __future__ import annotations

from dataclasses import dataclass

from market.auctions.book import AuctionBook
from market.store import RecordStore


@dataclass(frozen=True)
class Services:
    """The domain objects commands call; nothing here reads settings or the clock."""

    store: RecordStore
    auctions: AuctionBook | None = None
