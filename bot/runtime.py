"""Wire the running bot together: storage, Slack app, and the transport."""

from __future__ import annotations

import logging
import signal
from types import FrameType

from bot.clock import Clock
from bot.config import Settings
from bot.data_refresh import start_data_refresh
from bot.http_server import serve_http
from bot.slack_app import create_app, create_web_client
from bot.storage.command_log import CommandLog
from bot.wiring import wire

logger = logging.getLogger(__name__)


def run_bot(settings: Settings, clock: Clock) -> None:
    """Open storage, connect to Slack, then serve until SIGTERM or Ctrl-C."""
    client = create_web_client(settings)
    wired = wire(settings, client)
    app = create_app(settings, client, wired.registry, CommandLog(wired.sessions), clock)
    refresher = start_data_refresh(wired.services, clock)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            logger.info("deskbot connecting to Slack in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            serve_http(app, settings.bind_host, settings.port)
    except KeyboardInterrupt:
        pass
    finally:
        if refresher is not None:
            refresher.shutdown(wait=False)
    logger.info("deskbot stopped")


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
