"""The Slack edge: a Bolt app whose only job is to ack, run a command and deliver."""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.answer_actions import register_answer_actions
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.delivery import SLACK_TIMEOUT_SECONDS, SlackDelivery, retry_handlers
from bot.execution import execute
from bot.home_tab import HomePublisher, register_home
from bot.logs import remember_response_url
from bot.storage.command_log import CommandLog, CommandRecord
from bot.storage.health import DatabaseHealth
from bot.subscription_modal import deliver_reply, register_subscription_modal
from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Visibility
from commands.services import Services
from market.http import stored_data_only

logger = logging.getLogger(__name__)

# How long an asker waits before an answer from stored data, when a source is slow to answer.
ANSWER_BUDGET_SECONDS = 5.0
ANSWER_THREADS = 8


def create_web_client(settings: Settings) -> WebClient:
    """The Web API client every Slack call goes through (429s and dropped connections retried).

    The timeout bounds every call, chart uploads included, so a slow Slack
    costs a worker thread seconds, not minutes.
    """
    token, _secret = settings.require_slack()
    return WebClient(
        token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT_SECONDS, retry_handlers=retry_handlers()
    )


def create_app(
    settings: Settings,
    client: WebClient,
    registry: Registry,
    command_log: CommandLog,
    clock: Clock,
    health: DatabaseHealth | None = None,
    services: Services | None = None,
) -> App:
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
        registry, SlackDelivery(client), command_log, clock, short_commands, settings.slash_command, health
    )
    app.use(remember_response_url)  # scrubbed from every log line while the command is answered
    for name in (settings.slash_command, *short_commands):
        app.command(name)(ack=_acknowledge, lazy=[handler])
    app.event("app_uninstalled")(_log_uninstall)
    app.event("tokens_revoked")(_log_uninstall)
    if services is not None:
        register_home(app, HomePublisher(services, clock, slash_command=settings.slash_command))
        register_subscription_modal(app, services, slash_command=settings.slash_command)
    register_answer_actions(
        app,
        registry,
        services,
        SlackDelivery(client),
        clock,
        health,
        slash_command=settings.slash_command,
        short_commands=short_commands,
        command_log=command_log,
    )
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
        health: DatabaseHealth | None = None,
        answer_budget_seconds: float = ANSWER_BUDGET_SECONDS,
    ) -> None:
        self._health = health
        self._registry = registry
        self._short_commands = short_commands or {}
        self._main_command = main_command
        self._delivery = delivery
        self._command_log = command_log
        self._clock = clock
        self._budget = answer_budget_seconds
        # The answer is worked out here, so the lazy listener can keep the time budget.
        self._answers = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="deskbot-answer")

    def _answer_from_stored_data(self, text: str, ctx: CommandContext, response_url: str) -> bool:
        """The answer from stored data while a slow source (or database) is waited for; True when delivered.

        Nothing is sent when nothing was being waited for (the answer is only slow to compute).
        """
        with stored_data_only() as waiting_on:
            interim, _ref = execute(text, ctx, self._registry, self._health)
        database_away = self._health is not None and not self._health.available
        if not waiting_on and not database_away:
            return False
        slow = ", ".join(waiting_on) if waiting_on else "the database"
        logger.info("answering %r from stored data while waiting on %s", text, slow)
        note = (
            f":hourglass_flowing_sand: Refreshing from {slow}… this answer is from stored data"
            " and is replaced here when the fresh data arrives."
            if waiting_on
            else ":hourglass_flowing_sand: The database is slow to answer; this answer is from memory"
            " and is replaced here when it does."
        )
        kept_visibility = Visibility.IN_CHANNEL if interim.is_in_channel else interim.visibility
        interim = replace(interim, charts=(), visibility=kept_visibility).with_note(note)
        return self._delivery.respond(response_url, interim, ctx.channel_id, ctx.user_id)

    def __call__(self, command: dict[str, Any], client: WebClient | None = None) -> None:
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
        fresh = self._answers.submit(execute, text, ctx, self._registry, self._health)
        try:
            reply, ref = fresh.result(timeout=self._budget)
            delivered = deliver_reply(client, self._delivery, command, reply, ctx.channel_id, ctx.user_id)
        except FutureTimeout:
            delivered = self._answer_from_stored_data(text, ctx, command["response_url"])
            reply, ref = fresh.result()
            delivered = (
                deliver_reply(
                    client, self._delivery, command, reply, ctx.channel_id, ctx.user_id, replace_original=delivered
                )
                or delivered
            )
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
