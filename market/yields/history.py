"""The par curve from 1962 to the latest close: shipped history plus what was fetched.

The shipped file answers offline; newer closes are fetched from Treasury
(FRED when Treasury fails), stored, and merged over it. A failed refresh
keeps what is stored and is reported, so answers can say how old they are.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from market.calendar import expected_latest_curve
from market.http import UpstreamError, answering_from_stored_data
from market.sources.fred import FredSource
from market.sources.treasury_rates import CurveRow, TreasuryRatesSource, parse_par_yield_csv
from market.store import RecordStore, StoredRecord
from market.tenors import BY_FRED_ID, TENOR_KEYS
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

SHIPPED_HISTORY = Path(__file__).resolve().parents[1] / "data" / "yields" / "par_yield_history.csv.gz"
DATASET = "par_yield_curve"
SHIPPED_SOURCE = "Treasury par yield curve (FRED H.15 before 2021)"
# After a refresh attempt, wait this long before trying again for the same answer.
REFRESH_COOLDOWN = timedelta(minutes=10)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DataStatus:
    """How current the curve is, for the line every answer carries."""

    latest: date
    expected: date
    source: str
    refresh_error: str | None = None

    @property
    def stale(self) -> bool:
        return self.latest < self.expected


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: rows stored, the newest close, or why it failed."""

    stored: int
    latest: date
    error: str | None = None


class YieldHistory:
    """Daily closes per tenor (percent), merged from the shipped file and the store."""

    def __init__(
        self,
        store: RecordStore,
        treasury: TreasuryRatesSource | None = None,
        fred: FredSource | None = None,
        shipped: Path = SHIPPED_HISTORY,
    ) -> None:
        self._store = store
        self._treasury = treasury
        self._fred = fred
        self._shipped = shipped
        self._lock = threading.RLock()  # guards the merged frame; never held over HTTP
        self._refresh_lock = threading.Lock()  # one refresh at a time
        self._shipped_frame: pd.DataFrame | None = None
        self._frame: pd.DataFrame | None = None
        self._sources: dict[date, str] = {}
        self._last_attempt: tuple[date, datetime] | None = None

    # -- reading ---------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """Closes in percent: one row per published day (DatetimeIndex), one column per tenor."""
        with self._lock:
            if self._frame is None:
                self._frame = self._merge()
            return self._frame

    def closes(self, tenor: str) -> pd.Series:
        """One tenor's closes (percent, by date), days without a close dropped."""
        return self.frame()[tenor].dropna()

    def first_day(self) -> date:
        return self.frame().index[0].date()

    def latest_day(self) -> date:
        return self.frame().index[-1].date()

    def source_of(self, day: date) -> str:
        """Which source published the close used for `day`."""
        self.frame()
        return self._sources.get(day, SHIPPED_SOURCE)

    def status(self, now: datetime) -> DataStatus:
        """How current the data is at `now`, with the last refresh error if any."""
        latest = self.latest_day()
        refresh = self._store.refresh_status(DATASET)
        error = refresh.error if refresh is not None else None
        return DataStatus(latest, expected_latest_curve(now), self.source_of(latest), error)

    # -- refreshing --------------------------------------------------------

    def ensure_covers(self, wanted: date, now: datetime) -> DataStatus:
        """Fetch newer closes when `wanted` (capped at what should exist by `now`) is not stored yet.

        A failure is kept in the status, never raised: the answer then comes
        from what is stored, marked with its date.
        """
        target = min(wanted, expected_latest_curve(now))
        if self.latest_day() < target and self._has_sources() and answering_from_stored_data():
            # Not waiting for a refresh another command may be running: the sources are only
            # named (each raises NotAsked at once), and the answer comes from what is held.
            try:
                self._fetch(self.latest_day(), now.astimezone(DESK_TZ).date(), lambda _message: None)
            except UpstreamError:
                pass
            return self.status(now)
        if self.latest_day() < target and self._has_sources():
            with self._refresh_lock:
                recently_tried = (
                    self._last_attempt is not None
                    and self._last_attempt[0] >= target
                    and now - self._last_attempt[1] < REFRESH_COOLDOWN
                )
                if self.latest_day() < target and not recently_tried:
                    self._last_attempt = (target, now)
                    self._refresh_unlocked(now, None)
        return self.status(now)

    def refresh(self, now: datetime, progress: Progress | None = None) -> RefreshResult:
        """Fetch every year after the newest stored close up to `now`; store what is new or revised."""
        with self._refresh_lock:
            return self._refresh_unlocked(now, progress)

    def _refresh_unlocked(self, now: datetime, progress: Progress | None) -> RefreshResult:
        say = progress or (lambda _message: None)
        latest = self.latest_day()
        today = now.astimezone(DESK_TZ).date()
        rows: list[CurveRow] = []
        error: str | None = None
        source = ""
        try:
            rows, source = self._fetch(latest, today, say)
        except UpstreamError as failure:
            error = str(failure)
        # A row dated after today is garbage, whatever the source says.
        fresh = self._keeping_held([row for row in rows if latest - timedelta(days=7) <= row.day <= today])
        stored = self._store.upsert(DATASET, [_to_record(row, source) for row in fresh])
        self._store.note_refresh(DATASET, now.astimezone(UTC), error)
        if stored:
            with self._lock:
                self._frame = None
        newest = self.latest_day()
        if error:
            logger.warning("par curve refresh failed: %s", error)
            say(f"refresh failed: {error}; keeping data up to {newest.isoformat()}")
        else:
            say(f"stored {stored} days; latest close {newest.isoformat()}")
        return RefreshResult(stored, newest, error)

    def _keeping_held(self, rows: list[CurveRow]) -> list[CurveRow]:
        """Re-fetched days with a tenor missing keep the close already held for it.

        Closes are not un-published: a gap in a fetched row is the source's
        (a renamed or dropped column), not the market's.
        """
        frame = self.frame()
        kept = []
        for row in rows:
            stamp = pd.Timestamp(row.day)
            if stamp in frame.index:
                held = frame.loc[stamp]
                yields = dict(row.yields)
                for tenor in TENOR_KEYS:
                    if yields.get(tenor) is None and pd.notna(held[tenor]):
                        yields[tenor] = Decimal(str(held[tenor]))
                row = CurveRow(row.day, yields)
            kept.append(row)
        return kept

    def _has_sources(self) -> bool:
        return self._treasury is not None or (self._fred is not None and self._fred.configured)

    def _fetch(self, latest: date, today: date, say: Progress) -> tuple[list[CurveRow], str]:
        """Rows from Treasury for every year after `latest`, or from FRED when Treasury fails.

        A year that fails does not discard the years that worked; when nothing
        at all was fetched, every source's failure is raised together.
        """
        failures: list[UpstreamError] = []
        if self._treasury is not None:
            rows: list[CurveRow] = []
            for year in range((latest + timedelta(days=1)).year, today.year + 1):
                say(f"fetching {year} from {self._treasury.name}")
                try:
                    rows.extend(self._treasury.year(year))
                except UpstreamError as failure:
                    failures.append(failure)
                    say(str(failure))
            if rows:
                return rows, "Treasury par yield curve"
        if self._fred is not None and self._fred.configured:
            say("fetching from FRED")
            try:
                return _fetch_fred(self._fred, latest), "FRED H.15"
            except UpstreamError as failure:
                failures.append(failure)
        if failures:
            raise _all_failed(failures)
        raise UpstreamError("Treasury par yield curve", "no live source is configured")

    # -- merging -----------------------------------------------------------

    def _merge(self) -> pd.DataFrame:
        if self._shipped_frame is None:
            self._shipped_frame = _read_shipped(self._shipped)
        frame = self._shipped_frame
        records = self._store.load(DATASET)
        self._sources = {}
        if records:
            fetched = pd.DataFrame(
                [{tenor: _float(record.values.get(tenor)) for tenor in TENOR_KEYS} for record in records],
                index=pd.DatetimeIndex([pd.Timestamp(record.observed_on) for record in records]),
                columns=list(TENOR_KEYS),
                dtype="float64",
            )
            self._sources = {record.observed_on: str(record.values.get("source", "")) for record in records}
            frame = pd.concat([frame[~frame.index.isin(fetched.index)], fetched]).sort_index()
        return frame


@lru_cache(maxsize=4)
def _read_shipped(path: Path) -> pd.DataFrame:
    """The shipped file as a frame; parsed once per process (it never changes at run time)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = parse_par_yield_csv(handle.read())
    return _rows_to_frame(rows)


def _rows_to_frame(rows: list[CurveRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [[_float(row.yields.get(tenor)) for tenor in TENOR_KEYS] for row in rows],
        index=pd.DatetimeIndex([pd.Timestamp(row.day) for row in rows]),
        columns=list(TENOR_KEYS),
        dtype="float64",
    )


def _float(value: object) -> float:
    if value is None or value == "":
        return float("nan")
    return float(str(value))


def _to_record(row: CurveRow, source: str) -> StoredRecord:
    values: dict[str, str | None] = {tenor: None if v is None else str(v) for tenor, v in row.yields.items()}
    values["source"] = source
    return StoredRecord(key=row.day.isoformat(), observed_on=row.day, values=values)


class SourcesFailed(UpstreamError):
    """Every source of the curve failed; the message names each, once."""

    def __init__(self, failures: list[UpstreamError]) -> None:
        super().__init__(failures[0].source, failures[0].reason)
        self.args = ("; ".join(dict.fromkeys(str(failure) for failure in failures)),)


def _all_failed(failures: list[UpstreamError]) -> UpstreamError:
    return failures[0] if len({str(failure) for failure in failures}) == 1 else SourcesFailed(failures)


def _fetch_fred(fred: FredSource, latest: date) -> list[CurveRow]:
    by_day: dict[date, dict[str, Decimal | None]] = {}
    fetched = fred.many(list(BY_FRED_ID), start=latest - timedelta(days=7))
    for series_id, tenor in BY_FRED_ID.items():
        for observation in fetched[series_id]:
            by_day.setdefault(observation.day, {})[tenor] = observation.value
    return [
        CurveRow(day, values) for day, values in sorted(by_day.items()) if any(v is not None for v in values.values())
    ]
