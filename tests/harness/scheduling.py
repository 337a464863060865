"""The whole scheduling stack on shipped data, against the Slack stand-in, for replays with a test clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.delivery import SlackDelivery
from bot.demo.slack_workspace import SlackStandIn
from bot.execution import execute
from bot.scheduling.runner import PostRunner, RunnerSettings
from bot.scheduling.scheduler import DeskScheduler
from bot.storage.database import create_database
from bot.storage.ledger import STALE_CLAIM, PostLedger, State
from bot.storage.market_store import SqlRecordStore
from bot.storage.subscriptions import SqlSubscriptionStore
from commands.dispatch import alert_posts, build_registry
from commands.schedule.auction_calendar import BookCalendar
from commands.schedule.model import Feed, Subscription
from commands.services import BriefingServices, ScheduleServices, Services
from market.auctions.book import AuctionBook
from market.funding.book import FundingBook
from market.yields.history import YieldHistory

AUCTIONS = "C0AUCTIONS"
MANAGERS = "C0MANAGERS"


@dataclass
class Stack:
    scheduler: DeskScheduler
    ledger: PostLedger
    subscriptions: SqlSubscriptionStore


def build_stack(
    database_url: str,
    slack: SlackStandIn,
    instance: str = "test-1",
    client: WebClient | None = None,
    stale_claim: timedelta = STALE_CLAIM,
) -> Stack:
    """Offline domain services (shipped data only), the real ledger and delivery to the stand-in (or `client`)."""
    sessions = create_database(database_url)
    store = SqlRecordStore(sessions)
    yields = YieldHistory(store)
    auctions = AuctionBook(store)
    funding = FundingBook(store, closes=yields.closes)
    subscriptions = SqlSubscriptionStore(sessions)
    ledger = PostLedger(sessions, instance, stale_claim)

    def skipped_posts(start: datetime, end: datetime) -> list[str]:
        return [f"{r.key} ({r.detail})" for r in ledger.between(start, end) if r.state is State.SKIPPED]

    briefings = BriefingServices(yields=yields, auctions=auctions, funding=funding, skipped_posts=skipped_posts)
    services = Services(
        store=store,
        yields=yields,
        auctions=auctions,
        funding=funding,
        briefings=briefings,
        schedule=ScheduleServices(store=subscriptions),
    )
    registry = build_registry(services)
    delivery = SlackDelivery(client or WebClient(token=slack.token, base_url=slack.api_url))
    runner = PostRunner(
        ledger, registry, delivery, execute, RunnerSettings(), alerts=lambda day: alert_posts(briefings, day)
    )
    return Stack(DeskScheduler(subscriptions, BookCalendar(auctions), runner, ledger), ledger, subscriptions)


def subscribe_the_desk(subscriptions: SqlSubscriptionStore) -> None:
    """#auctions gets the 3y, 10y and 30y sequence; #desk-managers the daily summary."""
    tenors = ("3y", "10y", "30y")
    subscriptions.put(Subscription(AUCTIONS, Feed.BRIEFINGS, tenors, 60, "U0ADMIN"))
    subscriptions.put(Subscription(AUCTIONS, Feed.FLASH, tenors, 60, "U0ADMIN"))
    subscriptions.put(Subscription(MANAGERS, Feed.DAILY, (), 60, "U0ADMIN"))
