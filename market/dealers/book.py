"""Dealer positions history: the shipped file merged with what was fetched since.

The shipped history (`market/data/funding/nyfed_primary_dealers.json.gz`) is in
the API's own layout and read by the live parser. When a week newer than the
held one has been published, the book fetches each series, stores the new
weeks and answers; with the source down it answers from what it holds and says so.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from market.dealers.buckets import KEYS, TOTAL
from market.publication import Dataset, PointInTime, published_at
from market.refresh import refresh_once
from market.sources.nyfed_dealers import DealerValue, NyFedDealerSource, parse_dealer_series
from market.store import RecordStore, StoredRecord
from market.tz import DESK_TZ

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "funding"
SHIPPED_FILE = "nyfed_primary_dealers.json.gz"
DATASET = "nyfed_primary_dealers"


def published_week(now: datetime) -> date:
    """The newest as-of Wednesday whose release had come out by `now`."""
    today = now.astimezone(DESK_TZ).date()
    week = today - timedelta(days=(today.weekday() - 2) % 7)
    while published_at(Dataset.PRIMARY_DEALERS, week) > now:
        week -= timedelta(days=7)
    return week


class DealerBook:
    """Weekly net positions by maturity bucket and repo financing, in $ millions."""

    def __init__(self, store: RecordStore, source: NyFedDealerSource | None = None, shipped: Path = SHIPPED) -> None:
        self.store = store
        self.source = source
        self.shipped = shipped
        self._frame: pd.DataFrame | None = None

    def values(self) -> list[DealerValue]:
        """Shipped values with stored ones laid over them (same series and week: the stored one wins)."""
        with gzip.open(self.shipped / SHIPPED_FILE, "rt", encoding="utf-8") as handle:
            merged = {(v.keyid, v.as_of): v for v in parse_dealer_series(json.load(handle))}
        for record in self.store.load(DATASET):
            raw = record.values.get("value")
            value = DealerValue(
                date.fromisoformat(record.values["as_of"]),
                record.values["keyid"],
                None if raw is None else Decimal(raw),
            )
            merged[(value.keyid, value.as_of)] = value
        return sorted(merged.values(), key=lambda v: (v.keyid, v.as_of))

    def frame(self) -> pd.DataFrame:
        """One row per as-of Wednesday, one column per key (NaN = not published); a copy."""
        if self._frame is None:
            table: dict[str, dict[pd.Timestamp, float]] = {key: {} for key in KEYS}
            for value in self.values():
                if value.keyid in table and value.value is not None:
                    table[value.keyid][pd.Timestamp(value.as_of)] = float(value.value)
            self._frame = pd.DataFrame(table, dtype=float).sort_index()
        return self._frame.copy()

    def latest_week(self) -> date | None:
        """The newest week with a total position."""
        total = self.frame()[TOTAL.keys[0]].dropna()
        return None if total.empty else total.index[-1].date()

    def first_week(self) -> date | None:
        total = self.frame()[TOTAL.keys[0]].dropna()
        return None if total.empty else total.index[0].date()

    def public_week(self, point: PointInTime) -> date | None:
        """The newest held week that was public at `point`."""
        for stamp in reversed(self.frame()[TOTAL.keys[0]].dropna().index):
            if point.sees(Dataset.PRIMARY_DEALERS, stamp.date()):
                return stamp.date()
        return None

    def refresh(self, now: datetime) -> list[str]:
        """Fetch the weeks published after the newest held one; notes say what could not be fetched."""
        held = self.latest_week()
        wanted = published_week(now)
        if self.source is None or held is None or wanted <= held:
            return []
        attempt = refresh_once(
            self.store, DATASET, now, lambda: self._fetch(held, wanted), f"positions on record through {held}"
        )
        if attempt.stored:
            self._frame = None
        return [attempt.note] if attempt.note else []

    def _fetch(self, after: date, until: date) -> int:
        assert self.source is not None
        records = []
        for key in KEYS:
            for value in self.source.series(key):
                if after < value.as_of <= until:
                    values = {
                        "as_of": value.as_of.isoformat(),
                        "keyid": value.keyid,
                        "value": None if value.value is None else str(value.value),
                    }
                    records.append(StoredRecord(f"{value.keyid}:{value.as_of}", value.as_of, values))
        return self.store.upsert(DATASET, records)
