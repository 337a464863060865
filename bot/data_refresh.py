"""Keep the stored market data current while the bot runs: on start and after Treasury publishes."""

from __future__ import annotations

import logging
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock
from commands.services import Services
from market.calendar import is_business_day
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

# Treasury posts the par curve in the evening; a second pass catches a late posting.
CURVE_REFRESH_TIMES = ("18:15", "19:45")


def start_data_refresh(services: Services, clock: Clock) -> BackgroundScheduler | None:
    """A background scheduler refreshing the par curve now and each business evening."""
    history = services.yields
    if history is None:
        return None

    def refresh_curve() -> None:
        try:
            history.refresh(clock())
        except Exception:  # a refresh must never take the bot down
            logger.exception("par curve refresh failed unexpectedly")

    def refresh_curve_after_the_close() -> None:
        # Treasury publishes on bond-market business days only (SIFMA: Good Friday, Columbus Day are closed).
        if is_business_day(clock().astimezone(DESK_TZ).date()):
            refresh_curve()

    scheduler = BackgroundScheduler(timezone=DESK_TZ)
    for at in CURVE_REFRESH_TIMES:
        hour, minute = at.split(":")
        scheduler.add_job(
            refresh_curve_after_the_close,
            CronTrigger(day_of_week="mon-fri", hour=int(hour), minute=int(minute), timezone=DESK_TZ),
            id=f"refresh-par-curve-{at}",
            coalesce=True,
            misfire_grace_time=3600,
        )
    scheduler.add_job(refresh_curve, id="refresh-par-curve-on-start")
    scheduler.start()
    return scheduler


def warm_histories(services: Services, delay_seconds: float = 1.0) -> threading.Event:
    """Load the shipped histories in the background, so the first command after start is not the slow one.

    It waits `delay_seconds` first, so the HTTP server comes up without competing for the interpreter.
    The returned event is set when the loading is over (done or failed): the scheduler waits for it.
    """
    loaded = threading.Event()

    def warm() -> None:
        try:
            _load()
        finally:
            loaded.set()

    def _load() -> None:
        started = time.monotonic()
        try:
            if services.yields is not None:
                services.yields.frame()
            if services.auctions is not None:
                services.auctions.records()
            if services.funding is not None:
                services.funding.rates("SOFR")
                services.funding.repo_take_up()
                services.funding.leveraged_net()
        except Exception:  # warming is an optimisation; a command will load (and report) on its own
            logger.exception("loading the histories in the background failed")
            return
        logger.info("histories loaded in %.1f s", time.monotonic() - started)

    timer = threading.Timer(delay_seconds, warm)
    timer.name = "deskbot-warm"
    timer.daemon = True
    timer.start()
    return loaded
