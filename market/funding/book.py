"""Funding and positioning history: the shipped files merged with what was fetched since.

`FundingBook` is what commands ask. Shipped history (under
`market/data/funding/`, in each upstream's own layout) is read with the same
parse functions as live payloads; records fetched later are kept in the
`RecordStore` and override shipped ones with the same key. When asked about a
date newer than what it holds, the book fetches, stores and answers; with a
source down it answers from what it has and says so (`notes`).
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from market.dealers.book import DealerBook
from market.funding.repo_market import RepoMarket
from market.http import UpstreamError
from market.sources.cftc import TREASURY_CONTRACTS, CftcSource, TffPosition, parse_tff
from market.sources.desk_feed import DeskFeedSource
from market.sources.fred import FredSource, Observation, parse_fred_csv
from market.sources.nyfed import NyFedSource, RateFixing, RepoOperation, parse_reference_rates, parse_repo_operations
from market.store import RecordStore, StoredRecord

logger = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "funding"
RATE_KINDS = ("SOFR", "TGCR", "BGCR", "EFFR")
POLICY_SERIES = ("IORB", "IOER", "DFEDTARL", "DFEDTARU")
IORB_START = date(2021, 7, 29)  # IORB replaced IOER on this date
REFRESH_PAUSE = timedelta(minutes=10)

DATASET_RATES = "nyfed_reference_rates"
DATASET_REPO = "nyfed_repo_operations"
DATASET_POLICY = "fred_policy_rates"
DATASET_TFF = "cftc_tff"
# How a failed refresh names what is held instead.
HELD = {
    DATASET_RATES: "reference rates",
    DATASET_REPO: "repo operations",
    DATASET_POLICY: "policy rates",
    DATASET_TFF: "positions",
}


@dataclass
class Refreshed:
    """What one refresh did: sources it could not reach, in plain words."""

    notes: list[str] = field(default_factory=list)


def _read_gz_json(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _values(record: RateFixing | RepoOperation | TffPosition | Observation) -> dict[str, Any]:
    """A dataclass as JSON-safe values (decimals and dates as text)."""
    return {key: (str(value) if isinstance(value, Decimal | date) else value) for key, value in asdict(record).items()}


def _failed_note(error: str, dataset: str, held: date) -> str:
    """ "FRED is unavailable: it answered HTTP 503 (policy rates on record through 2024-05-31)"."""
    return f"{error} ({HELD[dataset]} on record through {held.isoformat()})"


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _float(value: Decimal | int | None) -> float:
    return float("nan") if value is None else float(value)


class FundingBook:
    """SOFR and friends, Fed policy rates, repo operations, CFTC positions and the desk feed."""

    def __init__(
        self,
        store: RecordStore,
        nyfed: NyFedSource | None = None,
        fred: FredSource | None = None,
        cftc: CftcSource | None = None,
        desk_feeds: Sequence[DeskFeedSource] = (),
        shipped: Path = SHIPPED,
        closes: Callable[[str], pd.Series] | None = None,
        dealers: DealerBook | None = None,
        repo_market: RepoMarket | None = None,
    ) -> None:
        self.store = store
        # Dealers' balance sheets and the repo venues: from the shipped history unless live ones are given.
        self.dealers = dealers if dealers is not None else DealerBook(store)
        self.repo_market = repo_market if repo_market is not None else RepoMarket(store)
        self.nyfed = nyfed
        self.fred = fred
        self.cftc = cftc
        self.desk_feeds = tuple(desk_feeds)
        self.shipped = shipped
        # Yields history (`closes("10y")` → percent yields by date), when the yields book is wired.
        self.closes = closes
        self._cache: dict[str, Any] = {}

    # ---- raw records: shipped merged with stored -------------------------------------------

    def fixings(self) -> list[RateFixing]:
        if "fixings" not in self._cache:
            shipped = parse_reference_rates(_read_gz_json(self.shipped / "nyfed_reference_rates.json.gz"))
            merged = {(f.kind, f.day): f for f in shipped}
            for record in self.store.load(DATASET_RATES):
                values = record.values
                fixing = RateFixing(
                    day=date.fromisoformat(values["day"]),
                    kind=values["kind"],
                    **{key: _dec(values.get(key)) for key in ("rate", "p1", "p25", "p75", "p99", "volume_bn")},
                    **{key: _dec(values.get(key)) for key in ("target_from", "target_to")},
                )
                merged[(fixing.kind, fixing.day)] = fixing
            self._cache["fixings"] = sorted(merged.values(), key=lambda f: (f.day, f.kind))
        return list(self._cache["fixings"])

    def operations(self) -> list[RepoOperation]:
        if "operations" not in self._cache:
            shipped = parse_repo_operations(_read_gz_json(self.shipped / "nyfed_repo_operations.json.gz"))
            merged = {op.operation_id: op for op in shipped}
            for record in self.store.load(DATASET_REPO):
                values = record.values
                merged[record.key] = RepoOperation(
                    operation_id=values["operation_id"],
                    day=date.fromisoformat(values["day"]),
                    operation_type=values["operation_type"],
                    method=values.get("method"),
                    term=values.get("term"),
                    submitted=_dec(values.get("submitted")),
                    accepted=_dec(values.get("accepted")),
                )
            self._cache["operations"] = sorted(merged.values(), key=lambda op: (op.day, op.operation_id))
        return list(self._cache["operations"])

    def positions(self) -> list[TffPosition]:
        if "positions" not in self._cache:
            shipped = parse_tff(_read_gz_json(self.shipped / "cftc_tff_treasury_futures.json.gz"))
            merged = {(p.code, p.report_date): p for p in shipped}
            for record in self.store.load(DATASET_TFF):
                values = dict(record.values)
                values["report_date"] = date.fromisoformat(values["report_date"])
                position = TffPosition(**values)
                merged[(position.code, position.report_date)] = position
            self._cache["positions"] = sorted(merged.values(), key=lambda p: (p.report_date, p.code))
        return list(self._cache["positions"])

    def policy_observations(self) -> dict[str, list[Observation]]:
        if "policy" not in self._cache:
            shipped = parse_fred_csv((self.shipped / "fred_policy_rates.csv").read_text())
            merged = {series: {obs.day: obs for obs in shipped.get(series, [])} for series in POLICY_SERIES}
            for record in self.store.load(DATASET_POLICY):
                series, day = record.values["series"], date.fromisoformat(record.values["day"])
                merged.setdefault(series, {})[day] = Observation(day, _dec(record.values.get("value")))
            self._cache["policy"] = {
                series: sorted(obs.values(), key=lambda o: o.day) for series, obs in merged.items()
            }
        return dict(self._cache["policy"])

    # ---- frames the analytics read ------------------------------------------------------------

    def _derived(self, key: str, build: Callable[[], Any]) -> Any:
        """A frame built from the records, kept until new records are stored; callers get a copy.

        Every funding answer reads the same few frames many times over; building
        them once per data change keeps `/funding` and `/basis` fast under load.
        """
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key].copy()

    def rates(self, kind: str) -> pd.DataFrame:
        """One reference rate by date: rate, p1, p25, p75, p99 (%), volume_bn ($bn); NaN = not published."""
        frame: pd.DataFrame = self._derived(f"rates:{kind.upper()}", lambda: self._build_rates(kind))
        return frame

    def _build_rates(self, kind: str) -> pd.DataFrame:
        rows = [f for f in self.fixings() if f.kind == kind.upper() and f.rate is not None]
        columns = ("rate", "p1", "p25", "p75", "p99", "volume_bn")
        frame = pd.DataFrame(
            {column: [_float(getattr(f, column)) for f in rows] for column in columns},
            index=pd.DatetimeIndex([pd.Timestamp(f.day) for f in rows], name="date"),
        )
        return frame.sort_index()

    def policy(self) -> pd.DataFrame:
        """Daily Fed policy rates (%): iorb, ioer, lower, upper (fed funds target range)."""
        frame: pd.DataFrame = self._derived("frame:policy", self._build_policy)
        return frame

    def _build_policy(self) -> pd.DataFrame:
        names = {"IORB": "iorb", "IOER": "ioer", "DFEDTARL": "lower", "DFEDTARU": "upper"}
        series = {}
        for upstream, ours in names.items():
            observations = self.policy_observations().get(upstream, [])
            series[ours] = pd.Series(
                [_float(o.value) for o in observations],
                index=pd.DatetimeIndex([pd.Timestamp(o.day) for o in observations]),
                dtype=float,
            )
        return pd.DataFrame(series).sort_index()

    def reserve_rate(self) -> pd.Series:
        """The rate on reserves by date: IORB from 2021-07-29, IOER before (NaN before 2019-05-18)."""
        policy = self.policy()
        before = policy.index < pd.Timestamp(IORB_START)
        return policy["iorb"].where(~before, policy["ioer"]).dropna()

    def repo_take_up(self) -> pd.Series:
        """Repo accepted per day, $bn: the SRF, and the 2019-2021 temporary repos (the day's operations summed)."""
        series: pd.Series = self._derived(
            "frame:repo", lambda: self._daily_amount(op for op in self.operations() if op.is_repo)
        )
        return series

    def reverse_repo(self) -> pd.Series:
        """ON RRP accepted per day, $bn."""
        series: pd.Series = self._derived(
            "frame:reverse_repo", lambda: self._daily_amount(op for op in self.operations() if not op.is_repo)
        )
        return series

    @staticmethod
    def _daily_amount(operations: Iterable[RepoOperation]) -> pd.Series:
        totals: dict[date, float] = {}
        for op in operations:
            if op.accepted is None:
                continue
            totals[op.day] = totals.get(op.day, 0.0) + float(op.accepted) / 1e9
        index = pd.DatetimeIndex([pd.Timestamp(day) for day in sorted(totals)])
        return pd.Series([totals[day] for day in sorted(totals)], index=index, dtype=float)

    def leveraged_net(self) -> pd.DataFrame:
        """Leveraged funds' net position (long − short, contracts) by report date, one column per contract code."""
        frame: pd.DataFrame = self._derived("frame:leveraged_net", self._build_leveraged_net)
        return frame

    def _build_leveraged_net(self) -> pd.DataFrame:
        table: dict[str, dict[pd.Timestamp, float]] = {code: {} for code in TREASURY_CONTRACTS}
        for position in self.positions():
            net = position.lev_net
            if net is not None:
                table[position.code][pd.Timestamp(position.report_date)] = float(net)
        frame = pd.DataFrame(table).sort_index()
        return frame[list(TREASURY_CONTRACTS)]

    def desk_feed(self) -> tuple[pd.DataFrame, list[str]]:
        """The desk feed by date (our column names), and what could not be read."""
        if "desk" not in self._cache:
            frames, notes = [], []
            for feed in self.desk_feeds:
                try:
                    rows = feed.rows()
                except UpstreamError as error:
                    notes.append(str(error))
                    continue
                frames.append(
                    pd.DataFrame(
                        [row.values for row in rows], index=pd.DatetimeIndex([pd.Timestamp(r.day) for r in rows])
                    )
                )
            frame = pd.concat(frames, axis=1) if frames else pd.DataFrame()
            if not frame.empty:
                frame = frame.T.groupby(level=0).last().T.sort_index()
            if notes:
                return frame, notes  # not kept: the next answer reads the feed again once it is back
            self._cache["desk"] = (frame, notes)
        frame, notes = self._cache["desk"]
        return frame.copy(), list(notes)

    # ---- keeping up to date ------------------------------------------------------------------

    def latest(self, kind: str = "SOFR") -> date | None:
        frame = self.rates(kind)
        return None if frame.empty else frame.index[-1].date()

    def first(self, kind: str = "SOFR") -> date | None:
        frame = self.rates(kind)
        return None if frame.empty else frame.index[0].date()

    def refresh(self, as_of: date, now: datetime) -> Refreshed:
        """Fetch what is newer than the history up to `as_of`, store it, and say what failed.

        Each dataset is tried at most once per 10 minutes, so a burst of commands
        does not hammer a source that is down.
        """
        result = Refreshed()
        latest_rate = self.latest("SOFR")
        if self.nyfed is not None and latest_rate is not None and as_of > latest_rate:
            self._try(DATASET_RATES, now, result, lambda: self._fetch_rates(latest_rate, as_of), latest_rate)
        operations = self.operations()
        latest_op = operations[-1].day if operations else None
        if self.nyfed is not None and latest_op is not None and as_of > latest_op:
            self._try(DATASET_REPO, now, result, lambda: self._fetch_operations(latest_op, as_of), latest_op)
        positions = self.positions()
        latest_week = positions[-1].report_date if positions else None
        if self.cftc is not None and latest_week is not None and as_of >= latest_week + timedelta(days=7):
            self._try(DATASET_TFF, now, result, lambda: self._fetch_positions(latest_week, as_of), latest_week)
        policy = self.policy()
        latest_policy = policy["iorb"].dropna().index[-1].date() if not policy.empty else None
        if self.fred is not None and self.fred.configured and latest_policy is not None and as_of > latest_policy:
            self._try(DATASET_POLICY, now, result, lambda: self._fetch_policy(latest_policy, as_of), latest_policy)
        return result

    def _try(self, dataset: str, now: datetime, result: Refreshed, fetch: Callable[[], int], held: date) -> None:
        """Fetch one dataset; a failure is noted with how far the data held reaches (`held`)."""
        status = self.store.refresh_status(dataset)
        if status is not None and status.error is not None and now - status.attempted_at < REFRESH_PAUSE:
            result.notes.append(_failed_note(status.error, dataset, held))
            return
        if status is not None and status.error is None and now - status.attempted_at < REFRESH_PAUSE:
            return
        try:
            written = fetch()
        except UpstreamError as error:
            logger.warning("refresh of %s failed: %s", dataset, error)
            self.store.note_refresh(dataset, now, str(error))
            result.notes.append(_failed_note(str(error), dataset, held))
            return
        self.store.note_refresh(dataset, now, None)
        logger.info("refresh of %s stored %d records", dataset, written)
        self._cache.clear()

    def _fetch_rates(self, after: date, until: date) -> int:
        assert self.nyfed is not None
        start = after + timedelta(days=1)
        records: list[StoredRecord] = []
        for kind in RATE_KINDS:
            try:
                fixings = self.nyfed.reference_rates(kind, start, until)
            except UpstreamError as error:
                if kind == "SOFR":
                    raise
                # The other rates are context; SOFR alone decides whether the refresh worked.
                logger.warning("refresh of %s failed: %s", kind, error)
                continue
            # Only the asked window: a fixing dated after `until` has not been published at `now`.
            records.extend(
                StoredRecord(f"{f.kind}:{f.day}", f.day, _values(f)) for f in fixings if start <= f.day <= until
            )
        return self.store.upsert(DATASET_RATES, records)

    def _fetch_operations(self, after: date, until: date) -> int:
        assert self.nyfed is not None
        operations = self.nyfed.repo_operations(after + timedelta(days=1), until)
        return self.store.upsert(
            DATASET_REPO, [StoredRecord(op.operation_id, op.day, _values(op)) for op in operations if op.day <= until]
        )

    def _fetch_positions(self, after: date, until: date) -> int:
        assert self.cftc is not None
        positions = [p for p in self.cftc.tff(after + timedelta(days=1)) if p.report_date <= until]
        return self.store.upsert(
            DATASET_TFF, [StoredRecord(f"{p.code}:{p.report_date}", p.report_date, _values(p)) for p in positions]
        )

    def _fetch_policy(self, after: date, until: date) -> int:
        assert self.fred is not None
        records: list[StoredRecord] = []
        for series in POLICY_SERIES[:1] + POLICY_SERIES[2:]:
            for obs in self.fred.observations(series, after + timedelta(days=1), until):
                if obs.value is None or obs.day > until:
                    continue  # a holiday's "." is no rate; a later day is not published yet
                values = {"series": series, "day": obs.day.isoformat(), "value": _values(obs)["value"]}
                records.append(StoredRecord(f"{series}:{obs.day}", obs.day, values))
        return self.store.upsert(DATASET_POLICY, records)
