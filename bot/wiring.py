"""The composition root: settings in, storage, upstream clients and commands out.

Only `bot/` reads `Settings`; everything below gets what it needs from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, system_clock
from bot.config import ConfigError, Settings
from bot.slack_access import SlackAccess
from bot.storage.database import create_database
from bot.storage.health import DatabaseHealth
from bot.storage.ledger import PostLedger, State
from bot.storage.market_store import SqlRecordStore
from bot.storage.resilient_store import ResilientRecordStore
from bot.storage.subscriptions import SqlSubscriptionStore
from commands.dispatch import build_registry
from commands.registry import Registry
from commands.schedule.auction_calendar import BookCalendar
from commands.services import BriefingServices, ScheduleServices, Services
from market.analytics.alerts import AlertThresholds
from market.analytics.auctions import AuctionPolicy
from market.auctions.book import AuctionBook
from market.auctions.wi import WiFeed
from market.dealers.book import DealerBook
from market.funding.book import FundingBook
from market.funding.repo_market import RepoMarket
from market.http import StoredOutages, UpstreamClient
from market.sources.cftc import CftcSource
from market.sources.desk_feed import DeskFeedSource, is_url, split_url
from market.sources.fiscaldata import FiscalDataSource
from market.sources.fred import FredSource
from market.sources.nyfed import NyFedSource
from market.sources.nyfed_dealers import NyFedDealerSource
from market.sources.ofr import OfrSource
from market.sources.treasury_rates import TreasuryRatesSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.store import RecordStore
from market.yields.history import YieldHistory

# Source → the name a desk reads in messages.
SOURCE_LABELS = {
    "treasury_rates": "Treasury (daily par yield curve)",
    "treasurydirect": "TreasuryDirect",
    "fiscaldata": "Treasury Fiscal Data",
    "nyfed": "NY Fed Markets",
    "nyfed_pd": "NY Fed Markets (primary dealer statistics)",
    "ofr": "OFR Short-term Funding Monitor",
    "fred": "FRED",
    "fredgraph": "FRED (graph download)",
    "cftc": "CFTC",
    "desk_feed": DeskFeedSource.label,
}


@dataclass(frozen=True)
class Wired:
    """Everything a running bot (or one `deskbot ask`) is made of."""

    sessions: sessionmaker[Session]
    services: Services
    registry: Registry
    health: DatabaseHealth


def open_database(settings: Settings) -> sessionmaker[Session]:
    """The configured database with its tables, or a `ConfigError` naming the URL."""
    try:
        return create_database(settings.resolved_database_url)
    except SQLAlchemyError as error:
        shown = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        raise ConfigError(f"DESKBOT_DATABASE_URL: cannot open {shown} ({type(error).__name__})") from None


def upstream(settings: Settings, source: str, store: RecordStore | None = None) -> UpstreamClient:
    """An HTTP client for one public source at its configured base URL (outages kept in `store`)."""
    base_urls = {
        "treasury_rates": settings.treasury_rates_url,
        "treasurydirect": settings.treasurydirect_url,
        "fiscaldata": settings.fiscaldata_url,
        "nyfed": settings.nyfed_url,
        "nyfed_pd": settings.nyfed_pd_url,
        "ofr": settings.ofr_url,
        "fred": settings.fred_url,
        "fredgraph": settings.fredgraph_url,
        "cftc": settings.cftc_url,
    }
    return client_for(settings, SOURCE_LABELS[source], base_urls[source], store)


def client_for(settings: Settings, label: str, base_url: str, store: RecordStore | None = None) -> UpstreamClient:
    """A client with the configured timeout and back-off (one per source, so the back-off is shared).

    With a `store`, a source's outage is remembered there too, so the next
    `deskbot ask` answers at once from stored data instead of retrying it.
    """
    return UpstreamClient(
        label,
        base_url,
        timeout=settings.upstream_timeout_seconds,
        backoff_seconds=settings.upstream_backoff_seconds,
        memory=StoredOutages(store) if store is not None else None,
    )


def build_services(
    settings: Settings,
    sessions: sessionmaker[Session],
    slack_client: WebClient | None = None,
    clock: Clock = system_clock,
    health: DatabaseHealth | None = None,
) -> Services:
    """The domain objects, each over the store and its upstream clients.

    `slack_client` is None for `deskbot ask`: commands that need Slack say so.
    With `health`, market reads fall back to memory while the database is unavailable.
    """
    store = ResilientRecordStore(SqlRecordStore(sessions), health) if health is not None else SqlRecordStore(sessions)
    fred_key = settings.fred_api_key.get_secret_value() if settings.fred_api_key else None
    fred_client = upstream(settings, "fred", store)
    fred = FredSource(fred_client, fred_key, graph=upstream(settings, "fredgraph", store))
    yields = YieldHistory(store, TreasuryRatesSource(upstream(settings, "treasury_rates", store)), fred)
    funding = FundingBook(
        store,
        nyfed=NyFedSource(upstream(settings, "nyfed", store)),
        fred=FredSource(fred_client, fred_key),
        cftc=CftcSource(upstream(settings, "cftc", store)),
        desk_feeds=desk_feeds(settings.desk_feed_url, settings, store),
        closes=yields.closes,
        dealers=DealerBook(store, NyFedDealerSource(upstream(settings, "nyfed_pd", store))),
        repo_market=RepoMarket(store, OfrSource(upstream(settings, "ofr", store))),
    )
    auctions = build_auction_book(settings, store)
    slack = SlackAccess(slack_client, settings.admin_ids) if slack_client is not None else None
    schedule = ScheduleServices(store=SqlSubscriptionStore(sessions), slack=slack, calendar=BookCalendar(auctions))
    ledger = PostLedger(sessions, "reader")

    def skipped_posts(start: datetime, end: datetime) -> list[str]:
        return [f"{r.key} ({r.detail})" for r in ledger.between(start, end) if r.state is State.SKIPPED]

    briefings = BriefingServices(
        yields=yields,
        auctions=auctions,
        funding=funding,
        thresholds=AlertThresholds(
            dealer_pct=settings.dealer_flag_pct,
            tenors=settings.alert_tenor_keys,
            move_3d_history_years=settings.alert_history_years or None,
        ),
        watch_clock=clock,
        skipped_posts=skipped_posts,
    )
    return Services(
        store=store,
        yields=yields,
        funding=funding,
        auctions=auctions,
        schedule=schedule,
        briefings=briefings,
        repo_market=funding.repo_market,
        dealers=funding.dealers,
    )


def build_auction_book(settings: Settings, store: RecordStore) -> AuctionBook:
    """Shipped history plus TreasuryDirect (primary) and Fiscal Data, with the desk's thresholds."""
    return AuctionBook(
        store,
        TreasuryDirectSource(upstream(settings, "treasurydirect", store)),
        FiscalDataSource(upstream(settings, "fiscaldata", store)),
        wi_feed=WiFeed.from_setting(settings.wi_feed_url) if settings.wi_feed_url else None,
        policy=AuctionPolicy(
            dealer_flag_pct=settings.dealer_flag_pct,
            tail_flag_bp=settings.tail_flag_bp,
            flash_poll_seconds=settings.flash_poll_seconds,
            flash_timeout_minutes=settings.flash_timeout_minutes,
        ),
    )


def desk_feeds(
    setting: str | None, settings: Settings | None = None, store: RecordStore | None = None
) -> list[DeskFeedSource]:
    """One source per comma-separated location in `DESKBOT_DESK_FEED_URL` (paths or http(s) URLs).

    Locations under the same base URL share one client, so a host that is down is left alone once.
    """
    feeds = []
    clients: dict[str, UpstreamClient] = {}
    label = SOURCE_LABELS["desk_feed"]
    for location in (part.strip() for part in (setting or "").split(",")):
        if not location:
            continue
        client: UpstreamClient | None = None
        if is_url(location):
            base = split_url(location)[0]
            if base not in clients:
                clients[base] = (
                    client_for(settings, label, base, store) if settings is not None else UpstreamClient(label, base)
                )
            client = clients[base]
        feeds.append(DeskFeedSource(location, client))
    return feeds


def wire(settings: Settings, slack_client: WebClient | None = None, clock: Clock = system_clock) -> Wired:
    """Open storage and build the services and the command registry."""
    sessions = open_database(settings)
    health = DatabaseHealth.for_engine(sessions.kw["bind"])
    health.guard(sessions.kw["bind"])
    services = build_services(settings, sessions, slack_client, clock, health)
    return Wired(sessions=sessions, services=services, registry=build_registry(services), health=health)
