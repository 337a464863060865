"""The record of slash commands answered."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.health import OUTAGE_ERRORS, DatabaseHealth
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


BACKLOG_LIMIT = 5000  # records held while the database is away (a busy desk's day)


class CommandLog:
    """Writes and reads `command_runs`; a failed write never fails the reply.

    Records that cannot be written (the database is away) are held, up to
    `BACKLOG_LIMIT`, and written with the next record that can be.
    """

    def __init__(self, sessions: sessionmaker[Session], health: DatabaseHealth | None = None) -> None:
        self._sessions = sessions
        self._health = health
        self._lock = threading.Lock()
        self._backlog: deque[CommandRun] = deque(maxlen=BACKLOG_LIMIT)

    def record(self, entry: CommandRecord) -> None:
        # PostgreSQL text cannot hold NUL, which anyone can type; keep the rest of the text as sent.
        kept = replace(entry, command_text=entry.command_text.replace("\x00", NUL_STAND_IN))
        with self._lock:
            self._backlog.append(CommandRun(**asdict(kept)))
            if self._health is not None and not self._health.available:
                return
            rows = list(self._backlog)
            self._backlog.clear()
        try:
            with self._sessions.begin() as session:
                session.add_all(rows)
        except OUTAGE_ERRORS as error:
            logger.warning(
                "could not record %d command run(s) yet (%s); kept to retry", len(rows), type(error).__name__
            )
            if self._health is not None:
                self._health.note_failure(error)
            with self._lock:
                self._backlog.extendleft(reversed([_fresh(row) for row in rows]))
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


def _fresh(row: CommandRun) -> CommandRun:
    """A new, unattached row with `row`'s values (a failed session leaves its objects unusable)."""
    return CommandRun(**{field.name: getattr(row, field.name) for field in fields(CommandRecord)})


def _to_record(row: CommandRun) -> CommandRecord:
    values = {field.name: getattr(row, field.name) for field in fields(CommandRecord)}
    if values["received_at"].tzinfo is None:  # SQLite drops the zone; both backends store UTC
        values["received_at"] = values["received_at"].replace(tzinfo=UTC)
    return CommandRecord(**values)
