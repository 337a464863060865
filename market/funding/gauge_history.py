"""The stress gauge on every business day since SOFR began: its own history, to rank today against.

A day's reading is `gauge(book, day)` as of that day's close, which reads only what was
published by then; once the day's inputs are in, it never changes. So readings are
computed once: the shipped file (`market/data/funding/gauge_history.csv.gz`, built from
the shipped inputs by `scripts/build_gauge_history.py`) covers the shipped data's reach,
and days after it are computed on demand and kept in the `RecordStore`. With a desk feed
wired, the days the feed covers are computed with it, never read from the file (which has
none).
"""

from __future__ import annotations

import csv
import gzip
import io
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from market.analytics.stress import GROUP_WEIGHTS, Gauge
from market.calendar import business_days, previous_business_day
from market.funding.book import SHIPPED, FundingBook
from market.funding.gauge import gauge
from market.publication import day_complete_at
from market.store import StoredRecord

GAUGE_HISTORY_START = date(2018, 4, 2)  # SOFR's first fixing
SHIPPED_FILE = "gauge_history.csv.gz"
DATASET = "gauge_history"
COLUMNS = ("score", *GROUP_WEIGHTS)
# Bumped when the gauge's formula changes, so readings kept under the old one are recomputed.
FORMULA = "2"


def reading_row(result: Gauge) -> dict[str, float | None]:
    """One day's composite and group scores, rounded as kept (0.01 of a point)."""
    row: dict[str, float | None] = {"score": _rounded(result.score)}
    for group in GROUP_WEIGHTS:
        row[group] = _rounded(result.group_scores.get(group))
    return row


def compute_readings(book: FundingBook, days: Iterable[date]) -> pd.DataFrame:
    """The gauge as of each day's close, one row per day (NaN where a group had no data)."""
    rows = {pd.Timestamp(day): reading_row(gauge(book, day)[0]) for day in days}
    return _frame(rows)


def read_shipped(folder: str | None = None) -> pd.DataFrame:
    """The shipped readings (the gauge without a desk feed), indexed by day."""
    path = SHIPPED / SHIPPED_FILE if folder is None else f"{folder}/{SHIPPED_FILE}"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = {
            pd.Timestamp(row["day"]): {column: _float(row.get(column) or "") for column in COLUMNS}
            for row in csv.DictReader(handle)
        }
    return _frame(rows)


def write_readings(frame: pd.DataFrame) -> bytes:
    """`frame` as the shipped file's gzipped CSV, the same bytes on every run."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("day", *COLUMNS))
    for day, row in frame.iterrows():
        writer.writerow((day.date().isoformat(), *("" if pd.isna(row[c]) else f"{row[c]:.2f}" for c in COLUMNS)))
    return gzip.compress(buffer.getvalue().encode(), mtime=0)


@dataclass(frozen=True)
class Rank:
    """A reading's percentile among the gauge's daily readings from `since` (inclusive of itself)."""

    percentile: float
    readings: int
    since: date


_histories: weakref.WeakKeyDictionary[FundingBook, GaugeHistory] = weakref.WeakKeyDictionary()
_histories_lock = threading.Lock()


def history_of(book: FundingBook) -> GaugeHistory:
    """The one `GaugeHistory` of `book`, so readings made for one answer serve the next."""
    with _histories_lock:
        found = _histories.get(book)
        if found is None:
            found = _histories[book] = GaugeHistory(book)
        return found


class GaugeHistory:
    """Daily readings for one book: shipped, then kept, then computed (and kept) on demand."""

    def __init__(self, book: FundingBook, shipped: pd.DataFrame | None = None) -> None:
        self.book = book
        self._shipped = read_shipped() if shipped is None else shipped
        self._lock = threading.Lock()
        self._made: dict[pd.Timestamp, dict[str, float | None]] = {}

    def readings(self, through: date, now: datetime | None = None) -> pd.DataFrame:
        """Every business day's reading from `GAUGE_HISTORY_START` to `through`, as of each day's close.

        A day is kept only once everything for it is published at `now` (and in the book);
        the days after are computed each time, as the answer for them is.
        """
        wanted = [pd.Timestamp(day) for day in business_days(GAUGE_HISTORY_START, through)]
        feed_from = self._desk_feed_start()
        usable = self._shipped if feed_from is None else self._shipped.loc[: feed_from - pd.Timedelta(days=1)]
        with self._lock:
            if not self._made:
                self._made.update(self._kept())
            have = {**usable.to_dict("index"), **self._made}
        missing = [day for day in wanted if day not in have]
        computed = compute_readings(self.book, (day.date() for day in missing)).to_dict("index")
        settled = {day: row for day, row in computed.items() if self._settled(day.date(), now)}
        if settled:
            self._keep(settled)
        rows = {day: (have[day] if day in have else computed[day]) for day in wanted}
        return _frame(rows)

    def rank(self, score: float, day: date, now: datetime | None = None) -> Rank | None:
        """Where a reading of `score` on `day` sits among every daily reading before it, and itself.

        None for a book without the yields history: its readings lack the rates group, so
        ranking them against the shipped readings (which have it) would mislead.
        """
        if self.book.closes is None:
            return None
        before = self.readings(previous_business_day(day), now)["score"].dropna()
        at_or_below = int((before <= score).sum()) + 1
        count = len(before) + 1
        first = before.index[0].date() if not before.empty else day
        return Rank(at_or_below * 100.0 / count, count, first)

    def _settled(self, day: date, now: datetime | None) -> bool:
        """Whether `day`'s inputs are all in: its close and SOFR are in the book and published by `now`."""
        if now is not None and now < day_complete_at(day):
            return False
        latest_sofr = self.book.latest("SOFR")
        closes = self.book.closes("10y") if self.book.closes is not None else None
        latest_close = closes.index[-1].date() if closes is not None and not closes.empty else None
        return latest_sofr is not None and latest_sofr >= day and (latest_close is None or latest_close >= day)

    def _desk_feed_start(self) -> pd.Timestamp | None:
        if not self.book.desk_feeds:
            return None
        frame, _notes = self.book.desk_feed()
        return None if frame.empty else frame.index[0]

    def _kept(self) -> dict[pd.Timestamp, dict[str, float | None]]:
        """Readings kept under this formula and desk-feed wiring."""
        wiring = "desk" if self.book.desk_feeds else "public"
        kept = {}
        for record in self.book.store.load(DATASET):
            values = record.values
            if values.get("formula") == FORMULA and values.get("wiring") == wiring:
                kept[pd.Timestamp(record.observed_on)] = {c: values.get(c) for c in COLUMNS}
        return kept

    def _keep(self, rows: dict[pd.Timestamp, dict[str, float | None]]) -> None:
        wiring = "desk" if self.book.desk_feeds else "public"
        tagged = {"formula": FORMULA, "wiring": wiring}
        self.book.store.upsert(
            DATASET,
            [StoredRecord(f"{wiring}:{day.date()}", day.date(), {**row, **tagged}) for day, row in rows.items()],
        )
        with self._lock:
            self._made.update(rows)


def _frame(rows: dict[pd.Timestamp, dict[str, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(COLUMNS), dtype="float64")
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    return frame.sort_index()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _float(text: str) -> float | None:
    return None if text == "" else float(text)
