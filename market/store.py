"""Where fetched market data is kept between runs.

The domain defines what it needs from storage; `bot.storage` provides it
(SQLite or PostgreSQL). Shipped history is read from the package itself,
so the store only holds what was fetched from the live sources, merged
over the shipped data at read time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredRecord:
    """One observation of a dataset: a day's curve, one auction, one week's positions.

    `key` is unique within the dataset (a date, a CUSIP + auction date, …);
    `values` holds JSON-safe values (numbers as strings keep their precision).
    """

    key: str
    observed_on: date
    values: dict[str, Any]


@dataclass(frozen=True)
class RefreshStatus:
    """The last attempt to top up a dataset from its live source."""

    dataset: str
    attempted_at: datetime
    succeeded_at: datetime | None
    error: str | None


class RecordStore(Protocol):
    """Keeps records by dataset; a later record with the same key replaces the earlier."""

    def upsert(self, dataset: str, records: Iterable[StoredRecord]) -> int:
        """Store `records`, returning how many were written."""
        ...

    def load(self, dataset: str, since: date | None = None) -> list[StoredRecord]:
        """Every record of `dataset` (observed on or after `since`), oldest first."""
        ...

    def note_refresh(self, dataset: str, attempted_at: datetime, error: str | None) -> None:
        """Remember how the latest refresh went (`error` None = success)."""
        ...

    def refresh_status(self, dataset: str) -> RefreshStatus | None:
        """How the latest refresh went, or None if none was tried."""
        ...
