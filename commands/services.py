"""What commands need from the domain, built by `bot/` from settings and handed down.

Each domain adds its entry point here; `commands.dispatch.build_registry`
registers a domain's commands only when its service is present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from market.auctions.book import AuctionBook
from market.funding.book import FundingBook
from market.store import RecordStore
from market.yields.history import YieldHistory

if TYPE_CHECKING:  # these command modules import Services themselves
    from commands.briefings import BriefingServices
    from commands.subscriptions import ScheduleServices


@dataclass(frozen=True)
class Services:
    """The domain objects commands call; nothing here reads settings or the clock."""

    store: RecordStore
    yields: YieldHistory | None = None
    schedule: ScheduleServices | None = None
    # Previews, briefings, flashes, summaries and alerts (the scheduler's posts).
    briefings: BriefingServices | None = None
    # Funding, positioning and basis-stress history (`/funding`, `/basis`).
    funding: FundingBook | None = None
    auctions: AuctionBook | None = None
