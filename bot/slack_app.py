"""The Slack edge: a Bolt app whose only job is to ack, run a command and deliver."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.delivery import SLACK_TIMEOUT_SECONDS, SlackDelivery, retry_handlers
from bot.execution import execute
from bot.logs import remember_response_url
from bot.storage.command_log import CommandLog, CommandRecord
from commands.context import CommandContext
from commands.registry import Registry

logger = logging.getLogger(__name__)


def create_web_client(settings: Settings) -> WebClient:
    """The Web API client every Slack call goes through (429s and dropped connections retried).

    The timeout bounds every call, chart uploads included, so a slow Slack
    costs a worker thread seconds, not minutes.
    """
    token, _secret = settings.require_slack()
    return WebClient(
        token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT_SECONDS, retry_handlers=retry_handlers()
    )


def create_app(settings: Settings, client: WebClient, registry: Registry, command_log: CommandLog, clock: Clock) -> App:
    """A Bolt app that verifies Slack's signatures and answers the slash command."""
    _token, signing_secret = settings.require_slack()
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_drop_token_unused_warning)
    try:
        # Ack inline and run the work as a lazy listener in Bolt's thread pool:
        # the 200 goes back without waiting on a worker thread.
        app = App(client=client, signing_secret=signing_secret, logger=bolt_logger, process_before_response=True)
    except BoltError as error:
        found = re.search(r"'error': '([a-z_]+)'", str(error))
        reason = found.group(1) if found else str(error)
        raise ConfigError(f"SLACK_BOT_TOKEN was not accepted by Slack (auth.test said {reason})") from None
    except (SlackClientError, OSError) as error:
        raise ConfigError(f"SLACK_API_URL: Slack could not be reached at {settings.slack_api_url} ({error})") from None
    short_commands = {name: sub for name, sub in settings.short_command_map.items() if registry.get(sub)}
    handler = SlashCommandHandler(
        registry, SlackDelivery(client), command_log, clock, short_commands, settings.slash_command
    )
    app.use(remember_response_url)  # scrubbed from every log line while the command is answered
    for name in (settings.slash_command, *short_commands):
        app.command(name)(ack=_acknowledge, lazy=[handler])
    app.event("app_uninstalled")(_log_uninstall)
    app.event("tokens_revoked")(_log_uninstall)
    return app


def _log_uninstall(event: dict[str, Any], body: dict[str, Any]) -> None:
    """Say loudly that Slack will refuse our posts from now on."""
    logger.warning(
        "deskbot was removed from team %s (%s): posts will fail until reinstalled",
        body.get("team_id"),
        event.get("type"),
    )


def _acknowledge(ack: Ack) -> None:
    """An empty 200: the answer follows through response_url."""
    ack()


class SlashCommandHandler:
    """Runs after the ack (Slack gives up after 3 s) and answers via response_url."""

    def __init__(
        self,
        registry: Registry,
        delivery: SlackDelivery,
        command_log: CommandLog,
        clock: Clock,
        short_commands: dict[str, str] | None = None,
        main_command: str = "/deskbot",
    ) -> None:
        self._registry = registry
        self._short_commands = short_commands or {}
        self._main_command = main_command
        self._delivery = delivery
        self._command_log = command_log
        self._clock = clock

    def __call__(self, command: dict[str, Any]) -> None:
        started = time.monotonic()
        received_at = self._clock()
        text = command.get("text") or ""
        ctx = CommandContext(
            now=received_at,
            slash_command=command.get("command") or "/deskbot",
            user_id=command.get("user_id"),
            channel_id=command.get("channel_id"),
            short_commands=self._short_commands,
            main_command=self._main_command,
        )
        reply, ref = execute(text, ctx, self._registry)
        delivered = self._delivery.respond(command["response_url"], reply, ctx.channel_id, ctx.user_id)
        self._command_log.record(
            CommandRecord(
                received_at=received_at,
                team_id=command.get("team_id"),
                channel_id=ctx.channel_id,
                user_id=ctx.user_id,
                command_text=text,
                outcome=reply.outcome.value,
                error_ref=ref,
                delivered=delivered,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        )


def _drop_token_unused_warning(record: logging.LogRecord) -> bool:
    # Bolt warns when SLACK_BOT_TOKEN is in the environment and a client is given;
    # the client is built from that same token, so the warning is noise.
    return "`token` will be unused" not in record.getMessage()
