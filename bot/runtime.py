"""Wire the running bot together: storage, Slack app, and the transport."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import timedelta
from types import FrameType

from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import Settings
from bot.data_refresh import start_data_refresh, warm_histories
from bot.delivery import SlackDelivery
from bot.execution import execute
from bot.http_server import serve_http
from bot.request_guard import RequestGuard, SeenSignatures
from bot.scheduling.leader import LeaderLock
from bot.scheduling.runner import PostRunner, RunnerSettings
from bot.scheduling.scheduler import DeskScheduler, SchedulerService
from bot.slack_app import create_app, create_web_client
from bot.storage.command_log import CommandLog
from bot.storage.ledger import PostLedger
from bot.storage.subscriptions import SqlSubscriptionStore
from bot.wiring import Wired, wire
from commands.dispatch import alert_posts
from commands.schedule.auction_calendar import BookCalendar

logger = logging.getLogger(__name__)


def run_bot(settings: Settings, clock: Clock) -> None:
    """Open storage, connect to Slack, then serve until SIGTERM or Ctrl-C."""
    client = create_web_client(settings)
    wired = wire(settings, client, clock)
    wired.health.start()
    app = create_app(
        settings, client, wired.registry, CommandLog(wired.sessions, wired.health), clock, wired.health, wired.services
    )
    histories_loaded = warm_histories(wired.services)
    refresher = start_data_refresh(wired.services, clock)
    scheduler = (
        start_scheduler(settings, wired, client, clock, histories_loaded) if settings.scheduler_enabled else None
    )
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("deskbot connecting to Slack in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            _token, signing_secret = settings.require_slack()
            guard = RequestGuard(
                signing_secret, SeenSignatures(wired.sessions, health=wired.health), settings.max_body_bytes
            )
            serve_http(app, settings.bind_host, settings.port, guard=guard)
    except KeyboardInterrupt:
        pass
    finally:
        if refresher is not None:
            refresher.shutdown(wait=False)
        if scheduler is not None:
            scheduler.stop()
    logger.info("deskbot stopped")


def start_scheduler(
    settings: Settings, wired: Wired, client: WebClient, clock: Clock, ready: threading.Event | None = None
) -> SchedulerService:
    """Briefings, flashes, summaries and alerts, run by whichever instance holds the leader lock."""
    services = wired.services
    instance = f"{socket.gethostname()}:{os.getpid()}"
    ledger = PostLedger(wired.sessions, instance, timedelta(seconds=settings.stale_claim_seconds))
    briefings = services.briefings
    runner = PostRunner(
        ledger,
        wired.registry,
        SlackDelivery(client),
        execute,
        RunnerSettings(settings.slash_command, timedelta(minutes=settings.post_grace_minutes)),
        alerts=(lambda day: alert_posts(briefings, day)) if briefings is not None else None,
        clock=clock,
    )
    calendar = BookCalendar(services.auctions) if services.auctions is not None else None
    scheduler = DeskScheduler(SqlSubscriptionStore(wired.sessions), calendar, runner, ledger)
    service = SchedulerService(
        scheduler, LeaderLock(settings.resolved_database_url), clock, settings.leader_poll_seconds, ready=ready
    )
    service.start()
    return service


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
