"""The market record store, answering from memory while the database does not.

Market answers need the shipped history (always there) and what was fetched
since (in the database, and mirrored here as it is read and written). While
the database is unavailable, reads come from that mirror and writes are kept
in it, so a command still answers, marked by `bot.execution` as answered from
memory; the writes reach the database with the next refresh after it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date, datetime

from bot.storage.health import OUTAGE_ERRORS, DatabaseHealth, note_memory_answer
from bot.storage.market_store import SqlRecordStore
from market.http import answering_from_stored_data
from market.store import RefreshStatus, StoredRecord

logger = logging.getLogger(__name__)


class ResilientRecordStore:
    """`SqlRecordStore` with a memory of everything it has read or written, used while the database is away."""

    def __init__(self, inner: SqlRecordStore, health: DatabaseHealth) -> None:
        self._inner = inner
        self._health = health
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, StoredRecord]] = {}
        self._statuses: dict[str, RefreshStatus] = {}

    def upsert(self, dataset: str, records: Iterable[StoredRecord]) -> int:
        batch = list(records)
        if answering_from_stored_data():
            return 0  # an answer from stored data fetched nothing; the refresh running meanwhile stores
        self._remember(dataset, batch)
        if self._health.available:
            try:
                return self._inner.upsert(dataset, batch)
            except OUTAGE_ERRORS as error:
                self._lost(error, f"storing {dataset}")
        note_memory_answer()
        return len({record.key for record in batch})

    def load(self, dataset: str, since: date | None = None) -> list[StoredRecord]:
        if self._health.available:
            try:
                loaded = self._inner.load(dataset, since)
            except OUTAGE_ERRORS as error:
                self._lost(error, f"reading {dataset}")
            else:
                self._remember(dataset, loaded)
                return loaded
        note_memory_answer()
        with self._lock:
            held = list(self._records.get(dataset, {}).values())
        kept = [record for record in held if since is None or record.observed_on >= since]
        return sorted(kept, key=lambda record: (record.observed_on, record.key))

    def note_refresh(self, dataset: str, attempted_at: datetime, error: str | None) -> None:
        if answering_from_stored_data():
            return  # no source was asked: there is no attempt to record
        with self._lock:
            earlier = self._statuses.get(dataset)
            succeeded = attempted_at if error is None else (earlier.succeeded_at if earlier else None)
            self._statuses[dataset] = RefreshStatus(dataset, attempted_at, succeeded, error)
        if self._health.available:
            try:
                self._inner.note_refresh(dataset, attempted_at, error)
                return
            except OUTAGE_ERRORS as error_:
                self._lost(error_, f"noting the refresh of {dataset}")
        note_memory_answer()

    def refresh_status(self, dataset: str) -> RefreshStatus | None:
        if self._health.available:
            try:
                status = self._inner.refresh_status(dataset)
            except OUTAGE_ERRORS as error:
                self._lost(error, f"reading the refresh status of {dataset}")
            else:
                if status is not None:
                    with self._lock:
                        self._statuses[dataset] = status
                return status
        note_memory_answer()
        with self._lock:
            return self._statuses.get(dataset)

    def _remember(self, dataset: str, records: Iterable[StoredRecord]) -> None:
        with self._lock:
            held = self._records.setdefault(dataset, {})
            for record in records:
                held[record.key] = record

    def _lost(self, error: Exception, doing: str) -> None:
        logger.warning("the database failed while %s (%s): answering from memory", doing, type(error).__name__)
        self._health.note_failure(error)
