"""The posting ledger: each scheduled post is claimed before sending and marked after.

A key is claimed by inserting its row, which the database lets only one
instance do. A claim left by a crash mid-post is taken over once, after
`STALE_CLAIM`, and the taker checks the channel before posting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import LedgerEntry

STALE_CLAIM = timedelta(minutes=2)
MAX_ATTEMPTS = 2


class Claim(StrEnum):
    NEW = "new"  # ours, first time: post
    RECOVER = "recover"  # ours, after a crash: check the channel, then post if absent
    TAKEN = "taken"  # someone else has it, or it is done


class State(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class LedgerRecord:
    key: str
    channel_id: str
    due_at: datetime
    state: State
    attempts: int
    message_ts: str | None
    detail: str | None
    claimed_at: datetime | None = None


class PostLedger:
    def __init__(self, sessions: sessionmaker[Session], instance: str, stale_claim: timedelta = STALE_CLAIM) -> None:
        self._sessions = sessions
        self._instance = instance
        self._stale_claim = stale_claim

    def claim(self, key: str, channel_id: str, due_at: datetime, now: datetime) -> Claim:
        """Try to own `key`; only one caller ever gets NEW, and RECOVER at most once more."""
        try:
            with self._sessions.begin() as session:
                session.add(
                    LedgerEntry(
                        key=key,
                        channel_id=channel_id,
                        due_at=due_at.astimezone(UTC),
                        state=State.CLAIMED.value,
                        claimed_by=self._instance,
                        claimed_at=now.astimezone(UTC),
                        attempts=1,
                    )
                )
            return Claim.NEW
        except IntegrityError:
            pass
        with self._sessions.begin() as session:
            taken = session.execute(
                update(LedgerEntry)
                .where(
                    LedgerEntry.key == key,
                    LedgerEntry.state == State.CLAIMED.value,
                    LedgerEntry.claimed_at < (now - self._stale_claim).astimezone(UTC),
                    LedgerEntry.attempts < MAX_ATTEMPTS,
                )
                .values(claimed_by=self._instance, claimed_at=now.astimezone(UTC), attempts=LedgerEntry.attempts + 1)
            )
            return Claim.RECOVER if (taken.rowcount or 0) == 1 else Claim.TAKEN  # type: ignore[attr-defined]

    def finish(
        self, key: str, state: State, now: datetime, message_ts: str | None = None, detail: str | None = None
    ) -> None:
        """Record how the post ended: sent (with its ts), skipped (too late) or given up."""
        with self._sessions.begin() as session:
            session.execute(
                update(LedgerEntry)
                .where(LedgerEntry.key == key)
                .values(state=state.value, message_ts=message_ts, detail=detail, finished_at=now.astimezone(UTC))
            )

    def touch(self, key: str, now: datetime) -> None:
        """Keep our claim fresh while a long post (a flash polling for results) is in progress."""
        with self._sessions.begin() as session:
            session.execute(
                update(LedgerEntry)
                .where(
                    LedgerEntry.key == key,
                    LedgerEntry.state == State.CLAIMED.value,
                    LedgerEntry.claimed_by == self._instance,
                )
                .values(claimed_at=now.astimezone(UTC))
            )

    def release(self, key: str, detail: str) -> None:
        """Let a failed post be retried later by whoever claims it next (counts as an attempt)."""
        with self._sessions.begin() as session:
            session.execute(
                update(LedgerEntry)
                .where(LedgerEntry.key == key, LedgerEntry.state == State.CLAIMED.value)
                .values(claimed_at=datetime(2000, 1, 1, tzinfo=UTC), detail=detail)
            )

    def stale_at(self, key: str) -> datetime | None:
        """When an unfinished claim on `key` may be taken over; None when it is done, absent or used up.

        A scheduler that finds a claim still fresh looks again at this moment, instead of
        leaving a crashed instance's post to the next replan.
        """
        record = self.get(key)
        if record is None or record.state is not State.CLAIMED or record.claimed_at is None:
            return None
        if record.attempts >= MAX_ATTEMPTS:
            return None
        return record.claimed_at + self._stale_claim

    def get(self, key: str) -> LedgerRecord | None:
        with self._sessions() as session:
            row = session.get(LedgerEntry, key)
            return None if row is None else _record(row)

    def between(self, start: datetime, end: datetime) -> list[LedgerRecord]:
        """Entries due in [start, end), oldest first (for summaries and the schedule)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.due_at >= start.astimezone(UTC), LedgerEntry.due_at < end.astimezone(UTC))
                .order_by(LedgerEntry.due_at, LedgerEntry.key)
            )
            return [_record(row) for row in rows]


def _record(row: LedgerEntry) -> LedgerRecord:
    return LedgerRecord(
        row.key,
        row.channel_id,
        _utc(row.due_at),
        State(row.state),
        row.attempts,
        row.message_ts,
        row.detail,
        _utc(row.claimed_at) if row.claimed_at is not None else None,
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
