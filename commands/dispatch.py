"""The one path from slash-command text to a `Reply`.

Slash commands, `deskbot ask` and scheduled jobs all come through here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from commands.actions import share_button
from commands.alerts import alert_posts
from commands.auctions import auction_command
from commands.basis import basis_command
from commands.briefings import briefing_commands
from commands.context import CommandContext
from commands.curve import curve_command
from commands.dealers import dealers_command
from commands.funding import funding_command
from commands.help import command_help, help_command, usage_reply
from commands.options import AS_OF_FLAG
from commands.registry import Invocation, Registry, UsageError
from commands.reply import Outcome, Reply
from commands.services import Services
from commands.subscriptions import subscription_commands
from commands.yields import yields_command

DEFAULT_COMMAND = "help"
# Commands that change what deskbot posts: no "Share in channel" (sharing runs the command again).
CHANGES_SUBSCRIPTIONS = frozenset({"subscribe", "unsubscribe"})
# The scheduler posts each alert through the command layer too.
__all__ = ["alert_posts", "answer", "build_registry", "command_text"]


def build_registry(services: Services | None = None) -> Registry:
    """Every command deskbot answers, in the order help lists them.

    Without `services` only `help` is answered (enough to print usage).
    """
    registry = Registry()
    registry.add(help_command(registry))
    if services is None:
        return registry
    # What a desk asks most first; the scheduled posts' commands and subscriptions last.
    if services.yields is not None:
        registry.add(yields_command(services.yields))
        registry.add(curve_command(services.yields))
    if services.auctions is not None:
        registry.add(auction_command(services.auctions))
    if services.funding is not None:
        registry.add(funding_command(services.funding, services.repo_market))
        registry.add(basis_command(services.funding))
    if services.dealers is not None:
        registry.add(dealers_command(services.dealers))
    if services.briefings is not None:
        for command in briefing_commands(services.briefings):
            registry.add(command)
    if services.schedule is not None:
        for command in subscription_commands(services.schedule):
            registry.add(replace(command, shareable=command.name not in CHANGES_SUBSCRIPTIONS))
    return registry


def answer(text: str, ctx: CommandContext, registry: Registry) -> Reply:
    """Run the command in `text`; bad input becomes a usage reply, not an exception.

    Unexpected errors propagate: the caller logs them with a reference.
    """
    try:
        invocation = registry.parse(command_text(text, ctx), DEFAULT_COMMAND)
        if invocation.wants_help:
            reply = command_help(invocation.command, ctx)
        else:
            reply = invocation.command.handler(invocation.args, ctx)
            asked = _asked_close(invocation.args.words) or ctx.close_of
            if asked is not None and reply.outcome is Outcome.OK:
                said = ctx.point_in_time(asked).describe()
                reply = reply.with_note(said[:1].upper() + said[1:] + ".")
    except UsageError as error:
        return usage_reply(error, ctx)
    reply = reply.shared() if invocation.args.post else reply
    if _shareable(reply, ctx):
        reply = reply.with_buttons(_share_button(invocation, ctx))
    return reply


def _share_button(invocation: Invocation, ctx: CommandContext) -> dict[str, Any] | None:
    """Share in channel: the command again; a command's help as `help <command>`, however it was asked for."""
    if invocation.wants_help:
        return share_button("help", (invocation.command.name,), ctx)
    if not invocation.command.shareable:  # it changes things: sharing would do them again
        return None
    return share_button(invocation.command.name, invocation.args.words, ctx)


def _shareable(reply: Reply, ctx: CommandContext) -> bool:
    """A private answer to a person (not a scheduled post, not a form to open) can be shared with the channel."""
    return reply.outcome is Outcome.OK and not reply.is_in_channel and not ctx.scheduled and reply.modal is None


def _asked_close(words: tuple[str, ...]) -> date | None:
    """The day of a typed `--as-of YYYY-MM-DD`, which answers as of that day's close."""
    for flag, value in zip(words, words[1:], strict=False):
        if flag.lower() == AS_OF_FLAG:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
    return None


def command_text(text: str, ctx: CommandContext) -> str:
    """The subcommand and its words, however the command arrived.

    `/deskbot yields 30y` typed to `deskbot ask`, `/yields 30y` typed there, and
    Slack's `/yields` with text `30y` all become `yields 30y`.
    """
    stripped = strip_slash_command(text, ctx.slash_command)
    head, _, rest = stripped.partition(" ")
    short = {name.lower(): sub for name, sub in ctx.short_commands.items()}
    if head.lower() in short:
        return f"{short[head.lower()]} {rest.strip()}".strip()
    if ctx.slash_command.lower() in short:
        return f"{short[ctx.slash_command.lower()]} {stripped}".strip()
    return stripped


def strip_slash_command(text: str, slash_command: str) -> str:
    """`/deskbot help` → `help`, so typed and delivered texts read the same.

    Slack escapes `&`, `<` and `>` in slash-command text; they are unescaped here,
    and odd spaces made plain (`normalize_spaces`).
    """
    stripped = normalize_spaces(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")).strip()
    head, _, rest = stripped.partition(" ")
    if head.lower() == slash_command.lower():
        return rest.strip()
    return stripped


# Invisible characters that arrive with text pasted from web pages and documents.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u2060\ufeff"))


def normalize_spaces(text: str) -> str:
    """Every kind of space as a plain one, zero-width characters dropped.

    A no-break space (Option-Space on a Mac) or an ideographic space between two
    words must still separate them, or `yields 30y` becomes an unknown command.
    """
    return "".join(" " if char.isspace() else char for char in text.translate(_ZERO_WIDTH))
