"""The buttons under answers (Slack `block_actions`): ack at once, then do the action and answer.

Every button's value holds what its action needs (`commands.actions`), so nothing is kept between
the answer and the press. The listener acks inline (Slack gives up after 3 seconds) and the work
runs as a Bolt lazy listener, through the same path as a typed command (`bot.execution.execute`),
with `now` from the clock and the answer's `--as-of` from the value. The answer goes back through
the interaction's `response_url`:

- Share in channel: the command again, posted for the channel and naming who shared it; the
  private answer the button was on is then deleted, as Slack's own "share" flows do.
- History chart, Previous auction, Chart 1y, Curve: the new answer as a new message, the one
  with the button left standing.
- Subscribe this channel: the `subscribe` command for the channel the button was pressed in, so
  the same admin check (with Slack, on every press) and the same store; a channel that already
  gets the feed keeps its tenors and lead, and gains the button's tenor.

A stale button (a value that cannot be read, another version, a command that no longer answers,
a channel that is gone) gets one private line, never a trace.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.clock import Clock
from bot.delivery import SlackDelivery
from bot.execution import database_unavailable_reply, execute, failure_reply, new_ref
from bot.storage.command_log import CommandLog, CommandRecord
from bot.storage.health import OUTAGE_ERRORS, DatabaseHealth
from commands import blocks
from commands.actions import ACTION_PREFIX, Action, ActionValue, parse_action_value, stale_text, subscription_text
from commands.context import CommandContext
from commands.registry import POST_FLAG, Registry
from commands.reply import Outcome, Reply
from commands.services import Services

logger = logging.getLogger(__name__)

ACTION_PATTERN = re.compile("^" + re.escape(ACTION_PREFIX))
NOT_SET_UP = ":warning: Scheduled posts are not set up in this deployment, so nothing was subscribed."


class AnswerActions:
    """Does what a pressed button asks and answers through the interaction's response_url."""

    def __init__(
        self,
        registry: Registry,
        services: Services | None,
        delivery: SlackDelivery,
        clock: Clock,
        health: DatabaseHealth | None = None,
        *,
        slash_command: str = "/deskbot",
        short_commands: Mapping[str, str] | None = None,
        command_log: CommandLog | None = None,
    ) -> None:
        self._registry = registry
        self._services = services
        self._delivery = delivery
        self._clock = clock
        self._health = health
        self._slash_command = slash_command
        self._short_commands = dict(short_commands or {})
        self._command_log = command_log

    def __call__(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The lazy half of the listener (Bolt passes the payload as `body` and the pressed button as `action`)."""
        started = time.monotonic()
        received_at = self._clock()
        user_id = _str((body.get("user") or {}).get("id"))
        container = body.get("container") or {}
        channel_id = _str((body.get("channel") or {}).get("id")) or _str(container.get("channel_id"))
        response_url = _str(body.get("response_url"))
        action_id = _str(action.get("action_id")) or ""
        if response_url is None:  # a button in a view (Home tab, modal) has no reply link: nothing of ours
            logger.warning("button %s pressed by %s came with no reply link; ignored", action_id, user_id)
            return
        ctx = CommandContext(
            now=received_at,
            slash_command=self._slash_command,
            user_id=user_id,
            channel_id=channel_id,
            short_commands=self._short_commands,
            main_command=self._slash_command,
        )
        value = parse_action_value(action_id, action.get("value"))
        ref: str | None = None
        try:
            if value is None:
                logger.info("stale button %s pressed by %s in %s", action_id, user_id, channel_id)
                reply, text = _line(stale_text()), f"[{action_id}] (stale)"
                delivered = self._delivery.respond(response_url, reply, channel_id, user_id, new_message=True)
            elif value.action is Action.SHARE:
                reply, ref, text, delivered = self._share(value, ctx, response_url, container)
            elif value.action is Action.SUBSCRIBE:
                reply, ref, text, delivered = self._subscribe(value, ctx, response_url)
            else:
                reply, ref, text, delivered = self._run(value, ctx, response_url)
        except Exception:  # the answer must never be a trace: log it under a ref the asker can quote
            ref = new_ref()
            logger.exception("button %s pressed by %s failed (ref %s)", action_id, user_id, ref)
            reply, text = failure_reply(ref), f"[{action_id}]"
            delivered = self._delivery.respond(response_url, reply, channel_id, user_id, new_message=True)
        if self._command_log is not None:
            self._command_log.record(
                CommandRecord(
                    received_at=received_at,
                    team_id=_str((body.get("team") or {}).get("id")),
                    channel_id=channel_id,
                    user_id=user_id,
                    command_text=text,
                    outcome=reply.outcome.value,
                    error_ref=ref,
                    delivered=delivered,
                    duration_ms=int((time.monotonic() - started) * 1000),
                )
            )

    # -- the actions ------------------------------------------------------------------------------

    def _run(self, value: ActionValue, ctx: CommandContext, response_url: str) -> tuple[Reply, str | None, str, bool]:
        """History chart, Previous auction, Chart 1y, Curve: the command's answer as a new message."""
        text = value.text
        reply, ref = execute(text, ctx, self._registry, self._health)
        if reply.outcome is Outcome.USAGE_ERROR:  # the command no longer answers what the button asks
            reply = _line(stale_text(_first_line(reply.text)), Outcome.USAGE_ERROR)
        delivered = self._delivery.respond(response_url, reply, ctx.channel_id, ctx.user_id, new_message=True)
        return reply, ref, f"[{value.action.value}] {text}", delivered

    def _share(
        self, value: ActionValue, ctx: CommandContext, response_url: str, container: dict[str, Any]
    ) -> tuple[Reply, str | None, str, bool]:
        """The same command, as of the same time, posted for the channel with the asker named."""
        text = f"{value.text} {POST_FLAG}"
        if value.answered_at is not None:  # the answer the asker saw, not a newer one
            ctx = replace(ctx, now=value.answered_at)
        reply, ref = execute(text, ctx, self._registry, self._health)
        if reply.outcome is not Outcome.OK:  # failed or no longer answers: say so to the asker alone
            line = stale_text(_first_line(reply.text)) if reply.outcome is Outcome.USAGE_ERROR else reply.text
            private = _line(line, reply.outcome)
            delivered = self._delivery.respond(response_url, private, ctx.channel_id, ctx.user_id, new_message=True)
            return private, ref, f"[{value.action.value}] {text}", delivered
        shared = shared_by(reply, ctx.user_id, ctx.typed(value.text))
        delivered = self._delivery.respond(response_url, shared, ctx.channel_id, ctx.user_id, new_message=True)
        if delivered and container.get("is_ephemeral"):
            self._delivery.delete_original(response_url)  # the private copy goes: the channel has it now
        return shared, ref, f"[{value.action.value}] {text}", delivered

    def _subscribe(
        self, value: ActionValue, ctx: CommandContext, response_url: str
    ) -> tuple[Reply, str | None, str, bool]:
        """`subscribe` for the channel the button was pressed in: Slack's admin check and the store, as typed."""
        schedule = self._services.schedule if self._services is not None else None
        text = value.command
        ref: str | None = None
        if schedule is None:
            reply = _line(NOT_SET_UP, Outcome.FAILED)
        elif ctx.channel_id is None:
            reply = _line(stale_text("it was not pressed in a channel."), Outcome.USAGE_ERROR)
        else:
            try:
                text = subscription_text(value.command, ctx.channel_id, schedule.store.all())
            except OUTAGE_ERRORS as error:
                logger.warning(
                    "subscribe button: subscriptions unreadable, the database failed (%s)", type(error).__name__
                )
                reply = database_unavailable_reply()
            else:
                reply, ref = execute(text, ctx, self._registry, self._health)
                if reply.outcome is not Outcome.OK:
                    reply = _line(_first_line(reply.text), reply.outcome)
        delivered = self._delivery.respond(response_url, reply, ctx.channel_id, ctx.user_id, new_message=True)
        return reply, ref, f"[{value.action.value}] {text}", delivered


def shared_by(reply: Reply, user_id: str | None, typed: str) -> Reply:
    """`reply` for the channel, opening with who shared it and the command that answers it."""
    who = f"<@{user_id}>" if user_id else "Someone"
    return replace(
        reply.shared(),
        text=blocks.fallback(f"{who} shared: {reply.text}"),
        blocks=blocks.fit([blocks.context(f"{who} shared: `{typed}`"), *reply.blocks]) if reply.blocks else (),
    )


def _line(text: str, outcome: Outcome = Outcome.USAGE_ERROR) -> Reply:
    """One private line."""
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)), outcome=outcome)


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _str(found: Any) -> str | None:
    return found if isinstance(found, str) and found else None


def _acknowledge(ack: Ack) -> None:
    """An empty 200 at once: the answer follows through the interaction's response_url."""
    ack()


def register_answer_actions(
    app: App,
    registry: Registry,
    services: Services | None,
    delivery: SlackDelivery | WebClient,
    clock: Clock,
    health: DatabaseHealth | None = None,
    *,
    slash_command: str = "/deskbot",
    short_commands: Mapping[str, str] | None = None,
    command_log: CommandLog | None = None,
) -> AnswerActions:
    """Answer every button under deskbot's answers: ack inline, do the action in a lazy listener."""
    handler = AnswerActions(
        registry,
        services,
        delivery if isinstance(delivery, SlackDelivery) else SlackDelivery(delivery),
        clock,
        health,
        slash_command=slash_command,
        short_commands=short_commands,
        command_log=command_log,
    )
    app.action(ACTION_PATTERN)(ack=_acknowledge, lazy=[handler])
    return handler


__all__ = ["ACTION_PATTERN", "AnswerActions", "register_answer_actions", "shared_by"]
