"""`market.store.RecordStore` on SQLAlchemy: the same code on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import DatasetRefresh, MarketRecord
from market.store import RefreshStatus, StoredRecord


class SqlRecordStore:
    """Fetched market records and refresh status in the bot's database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def upsert(self, dataset: str, records: Iterable[StoredRecord]) -> int:
        batch = {record.key: record for record in records}
        if not batch:
            return 0
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            existing = {
                row.record_key: row
                for row in session.scalars(
                    select(MarketRecord).where(
                        MarketRecord.dataset == dataset, MarketRecord.record_key.in_(list(batch))
                    )
                )
            }
            for key, record in batch.items():
                payload = json.dumps(record.values, sort_keys=True, default=str)
                row = existing.get(key)
                if row is None:
                    session.add(
                        MarketRecord(
                            dataset=dataset,
                            record_key=key,
                            observed_on=record.observed_on,
                            payload=payload,
                            stored_at=now,
                        )
                    )
                else:
                    row.observed_on = record.observed_on
                    row.payload = payload
                    row.stored_at = now
        return len(batch)

    def load(self, dataset: str, since: date | None = None) -> list[StoredRecord]:
        query = select(MarketRecord).where(MarketRecord.dataset == dataset)
        if since is not None:
            query = query.where(MarketRecord.observed_on >= since)
        query = query.order_by(MarketRecord.observed_on, MarketRecord.record_key)
        with self._sessions() as session:
            return [
                StoredRecord(key=row.record_key, observed_on=row.observed_on, values=json.loads(row.payload))
                for row in session.scalars(query)
            ]

    def note_refresh(self, dataset: str, attempted_at: datetime, error: str | None) -> None:
        try:
            self._note_refresh(dataset, attempted_at, error)
        except IntegrityError:  # another instance wrote the dataset's first row meanwhile: update it
            self._note_refresh(dataset, attempted_at, error)

    def _note_refresh(self, dataset: str, attempted_at: datetime, error: str | None) -> None:
        with self._sessions.begin() as session:
            row = session.get(DatasetRefresh, dataset)
            if row is None:
                row = DatasetRefresh(dataset=dataset, attempted_at=attempted_at, succeeded_at=None, error=None)
                session.add(row)
            row.attempted_at = attempted_at
            row.error = error
            if error is None:
                row.succeeded_at = attempted_at

    def refresh_status(self, dataset: str) -> RefreshStatus | None:
        with self._sessions() as session:
            row = session.get(DatasetRefresh, dataset)
            if row is None:
                return None
            return RefreshStatus(
                dataset=row.dataset,
                attempted_at=_utc(row.attempted_at),
                succeeded_at=_utc(row.succeeded_at) if row.succeeded_at else None,
                error=row.error,
            )


def _utc(moment: datetime) -> datetime:
    # SQLite drops the zone; both backends store UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
