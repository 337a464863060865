"""What commands need from the domain, built by `bot/` from settings and handed down.

Each domain adds its entry point here; `commands.dispatch.build_registry`
registers a domain's commands only when its service is present.
"""

from __future__ import annotations

import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from commands.schedule.model import AuctionCalendar, SlackAccess, SubscriptionStore
from commands.schedule.plan import ScheduleTimes
from market.analytics.alerts import AlertThresholds
from market.auctions.book import AuctionBook
from market.dealers.book import DealerBook
from market.funding.book import FundingBook
from market.funding.repo_market import RepoMarket
from market.store import RecordStore
from market.yields.history import YieldHistory


@dataclass(frozen=True)
class BriefingServices:
    """The domains a briefing draws on; any may be missing, and the post then says which."""

    yields: YieldHistory | None = None
    auctions: AuctionBook | None = None
    funding: FundingBook | None = None
    thresholds: AlertThresholds = field(default_factory=AlertThresholds)
    # The flash watch waits for results in real time; the bot injects the clock and the wait.
    watch_clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    watch_sleep: Callable[[float], None] = field(default=clock_time.sleep)
    # Posts the scheduler skipped (too late) in a window, for the daily summary.
    skipped_posts: Callable[[datetime, datetime], list[str]] | None = None


@dataclass(frozen=True)
class ScheduleServices:
    """What the subscription commands need; `slack` is None where there is no Slack (deskbot ask)."""

    store: SubscriptionStore
    slack: SlackAccess | None = None
    calendar: AuctionCalendar | None = None
    times: ScheduleTimes = field(default_factory=ScheduleTimes)


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
    # OFR repo rates by venue, shown in `/funding` when present.
    repo_market: RepoMarket | None = None
    # Primary dealer positions and financing (`/dealers`).
    dealers: DealerBook | None = None
