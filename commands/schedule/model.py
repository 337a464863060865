"""Subscriptions and the protocols the bot provides for them (storage, Slack access, the auction calendar)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class Feed(StrEnum):
    """What a channel can subscribe to."""

    BRIEFINGS = "briefings"  # T-1 preview and the pre-auction briefing
    FLASH = "flash"  # the result flash at the competitive close
    DAILY = "daily"  # the managers' daily summary
    WEEKLY = "weekly"  # the weekly summary after Friday's close
    ALERTS = "alerts"  # threshold alerts


DEFAULT_TENORS: tuple[str, ...] = ("10y", "20y", "30y")
DEFAULT_LEAD_MINUTES = 60
MAX_LEAD_MINUTES = 24 * 60  # a briefing goes out at most a day before the close


@dataclass(frozen=True)
class Subscription:
    """One channel's subscription to one feed."""

    channel_id: str
    feed: Feed
    tenors: tuple[str, ...] = DEFAULT_TENORS
    lead_minutes: int = DEFAULT_LEAD_MINUTES
    created_by: str = ""


class SubscriptionStore(Protocol):
    """Where subscriptions are kept (the bot's database)."""

    def all(self) -> list[Subscription]: ...

    def put(self, subscription: Subscription) -> None:
        """Add, or replace the channel's subscription to the same feed."""
        ...

    def remove(self, channel_id: str, feeds: Sequence[Feed]) -> int:
        """Remove the channel's subscriptions to `feeds`; how many there were."""
        ...


class SlackAccess(Protocol):
    """What only Slack can tell: who is an admin, whether the bot is in a channel."""

    def may_change_subscriptions(self, user_id: str | None) -> bool: ...

    def bot_channel_problem(self, channel_id: str) -> str | None:
        """None when the bot can post in the channel, else a sentence saying how to fix it."""
        ...


@dataclass(frozen=True)
class ScheduledAuction:
    """An auction on the calendar (announced, upcoming or held)."""

    tenor: str  # "10y", "tips10y", "bill-4w", …
    security: str  # "10-Year Note (reopening)"
    auction_date: date
    closes_at: datetime  # competitive close, ET
    cusip: str | None = None


class AuctionCalendar(Protocol):
    """The auctions between two dates, from the announced/upcoming feeds and the history."""

    def scheduled(self, start: date, end: date, now: datetime) -> list[ScheduledAuction]: ...
