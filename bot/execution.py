"""Run a command and turn any unexpected failure into a reference, not a trace."""

from __future__ import annotations

import logging
import secrets

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


def execute(text: str, ctx: CommandContext, registry: Registry) -> tuple[Reply, str | None]:
    """The reply to `text`, and the error reference when the command failed."""
    try:
        return answer(text, ctx, registry), None
    except Exception:
        ref = new_ref()
        logger.exception("command failed (ref %s): %r from user %s", ref, text, ctx.user_id)
        return failure_reply(ref), ref


def failure_reply(ref: str) -> Reply:
    """What the asker sees when something broke on our side."""
    text = f":x: Something went wrong (ref {ref}). The error has been logged; quote the ref when you report it."
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)), outcome=Outcome.FAILED)
