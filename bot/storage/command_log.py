"""The record of slash commands answered."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import CommandRun

logger = logging.getLogger(__name__)

# What a NUL in a command's text is stored as (U+FFFD, the replacement character).
NUL_STAND_IN = "\ufffd"


@dataclass(frozen=True)
class CommandRecord:
    """What is kept of one command."""

    received_at: datetime
    team_id: str | None
    channel_id: str | None
    user_id: str | None
    command_text: str
    outcome: str
    error_ref: str | None
    delivered: bool
    duration_ms: int


class CommandLog:
    """Writes and reads `command_runs`; a failed write never fails the reply."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, entry: CommandRecord) -> None:
        # PostgreSQL text cannot hold NUL, which anyone can type; keep the rest of the text as sent.
        kept = replace(entry, command_text=entry.command_text.replace("\x00", NUL_STAND_IN))
        try:
            with self._sessions.begin() as session:
                session.add(CommandRun(**asdict(kept)))
        except Exception:
            logger.exception("could not record command run from user %s", entry.user_id)

    def recent(self, limit: int = 50) -> list[CommandRecord]:
        """The newest records first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(CommandRun).order_by(CommandRun.received_at.desc(), CommandRun.id.desc()).limit(limit)
            )
            return [_to_record(row) for row in rows]

    def by_ref(self, ref: str) -> CommandRecord | None:
        """The command behind an error reference a user quoted."""
        with self._sessions() as session:
            row = session.scalars(select(CommandRun).where(CommandRun.error_ref == ref)).first()
            return _to_record(row) if row else None


def _to_record(row: CommandRun) -> CommandRecord:
    values = {field.name: getattr(row, field.name) for field in fields(CommandRecord)}
    if values["received_at"].tzinfo is None:  # SQLite drops the zone; both backends store UTC
        values["received_at"] = values["received_at"].replace(tzinfo=UTC)
    return CommandRecord(**values)
