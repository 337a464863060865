"""Run a command and turn any unexpected failure into a reference, not a trace."""

from __future__ import annotations

import logging
import secrets

from bot.storage.health import OUTAGE_ERRORS, DatabaseHealth, counting_memory_answers
from commands import blocks
from commands.context import CommandContext
from commands.dispatch import answer
from commands.registry import Registry
from commands.reply import Outcome, Reply

logger = logging.getLogger(__name__)

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_ref() -> str:
    """A short reference a user can quote and an operator can grep for."""
    return "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


def execute(
    text: str, ctx: CommandContext, registry: Registry, health: DatabaseHealth | None = None
) -> tuple[Reply, str | None]:
    """The reply to `text`, and the error reference when the command failed.

    A database outage is expected, not a failure: market answers come from memory and
    say so (`health` tells when the database is known to be away, even if the answer
    did not need it), and commands that need the database (subscriptions, the
    schedule) say that in one line.
    """
    try:
        with counting_memory_answers() as from_memory:
            reply = answer(text, ctx, registry)
            database_away = from_memory() or (health is not None and not health.available)
            return (with_memory_note(reply) if database_away else reply), None
    except OUTAGE_ERRORS as error:
        logger.warning(
            "command %r from user %s needed the database, which failed (%s)", text, ctx.user_id, type(error).__name__
        )
        return database_unavailable_reply(), None
    except Exception:
        ref = new_ref()
        logger.exception("command failed (ref %s): %r from user %s", ref, text, ctx.user_id)
        return failure_reply(ref), ref


def failure_reply(ref: str) -> Reply:
    """What the asker sees when something broke on our side."""
    text = f":x: Something went wrong (ref {ref}). The error has been logged; quote the ref when you report it."
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)), outcome=Outcome.FAILED)


DATABASE_UNAVAILABLE = (
    ":warning: The database is unavailable, so subscriptions and the schedule cannot be read or changed"
    " right now. Market answers still work; try this again in a minute."
)


def database_unavailable_reply() -> Reply:
    """One line for a command that cannot be answered without the database."""
    return Reply(
        text=DATABASE_UNAVAILABLE, blocks=blocks.fit(blocks.sections(DATABASE_UNAVAILABLE)), outcome=Outcome.FAILED
    )


def with_memory_note(reply: Reply) -> Reply:
    """`reply`, saying it was answered without the database and how far its data reaches."""
    days = [observation.day for observation in reply.observed]
    reach = f"data up to {max(days).isoformat()}" if days else "data held in memory and shipped with deskbot"
    return reply.with_note(
        f":warning: Database unavailable — answering from {reach}; newer fetched data may be missing."
    )
