"""What was public before a note or bond auction that bears on the dealer takedown, as numbers.

One row per auction, every figure as it stood at a cutoff (the forecast's time, never
later than the auction's competitive close): auctions whose results had printed and
were held on an earlier day, par closes already published (so through the previous
business day before 18:00 ET), dealer positions and CFTC reports by their release times
(`market.publication`). A history row is taken at its own close, so a model fitted on
the rows of earlier auctions sees nothing a desk could not have seen then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from market.analytics.auctions import series_of
from market.publication import Dataset, published_at
from market.records import AuctionRecord
from market.tz import DESK_TZ

NOMINAL_TENORS = ("2y", "3y", "5y", "7y", "10y", "20y", "30y")
PRIOR_COUNT = 6
MIN_PRIORS = 3  # a prior average of fewer auctions says little
MARKET_COUNT = 6
# The market-wide read is stale when the sixth most recent auction is older than this.
MARKET_MAX_AGE_DAYS = 45
WEEK_DAYS = 7
VOL_DAYS = 20
CHANGE_DAYS = 5
VOL_HISTORY_DAYS = 2520  # about ten years of closes to rank the volatility against
STALE_CLOSE_DAYS = 10
POSITION_WEEKS = 52
CHANGE_WEEKS = 4
CHANGE_HISTORY = 104
CFTC_HISTORY = 156

# FR 2004 buckets by the auctioned term. Coupons over 11 years were one bucket until 2022 and
# are split at 21 years since; the split is not in the older weeks, so 20y and 30y read the
# whole over-11y bucket (the total less every other bucket, which equals the two since 2022).
POSITION_KEYS = {
    "2y": "PDPOSGSC-L2",
    "3y": "PDPOSGSC-G2L3",
    "5y": "PDPOSGSC-G3L6",
    "7y": "PDPOSGSC-G6L7",
    "10y": "PDPOSGSC-G7L11",
}
OVER_11Y = "over 11y"
TOTAL_KEY = "PDPOSGST-TOT"
NOT_OVER_11Y = (
    "PDPOSGS-B",
    "PDPOSGS-BFRN",
    "PDPOSGSC-L2",
    "PDPOSGSC-G2L3",
    "PDPOSGSC-G3L6",
    "PDPOSGSC-G6L7",
    "PDPOSGSC-G7L11",
    "PDPOSTIPS-L2",
    "PDPOSTIPS-G2",
    "PDPOSTIPS-G6L11",
    "PDPOSTIPS-G11",
)
BUCKET_NAMES = {
    "2y": "≤2y",
    "3y": "2–3y",
    "5y": "3–6y",
    "7y": "6–7y",
    "10y": "7–11y",
    "20y": ">11y",
    "30y": ">11y",
}
# CFTC contract market codes: the futures contract nearest each auctioned term.
CFTC_CODES = {
    "2y": "042601",
    "3y": "044601",
    "5y": "044601",
    "7y": "043602",
    "10y": "043602",
    "20y": "020601",
    "30y": "020601",
}


@dataclass(frozen=True)
class FeatureRow:
    """One auction's figures at a cutoff: the prior-six base and the features (NaN = not known then).

    `detail` keeps what the drivers are described with (percentiles, which auctions, the week read).
    """

    record: AuctionRecord
    cutoff: datetime
    prior_mean: float | None
    prior_count: int
    last: float | None
    features: dict[str, float]
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def actual(self) -> float | None:
        return self.record.dealer_pct

    @property
    def surprise(self) -> float | None:
        """Dealers' share less the prior-six average: what the model forecasts."""
        if self.actual is None or self.prior_mean is None:
            return None
        return self.actual - self.prior_mean


def close_of(record: AuctionRecord) -> datetime:
    """The competitive close, New York time."""
    return datetime.combine(record.auction_date, record.close_time, tzinfo=DESK_TZ)


def results_out(record: AuctionRecord) -> datetime:
    return published_at(Dataset.AUCTION_RESULTS, record.auction_date, record.close_time)


def cutoff_for(record: AuctionRecord, as_of: datetime) -> datetime:
    """The moment the features are read at: `as_of`, but never at or after the competitive close."""
    return min(as_of, close_of(record) - timedelta(seconds=1))


@dataclass(frozen=True)
class _Curve:
    """One tenor's published closes as arrays, with the rolling figures precomputed."""

    days: np.ndarray  # datetime64[D]
    values: np.ndarray
    vol: np.ndarray  # st.dev. of the last VOL_DAYS daily changes (bp) ending at each index
    change: np.ndarray  # change over CHANGE_DAYS closes (bp) ending at each index

    @classmethod
    def of(cls, series: pd.Series) -> _Curve:
        clean = series.dropna().sort_index()
        values = clean.to_numpy(dtype=float)
        changes = pd.Series(values).diff() * 100
        vol = changes.rolling(VOL_DAYS).std().to_numpy(dtype=float)
        change = (pd.Series(values).diff(CHANGE_DAYS) * 100).to_numpy(dtype=float)
        days = clean.index.to_numpy(dtype="datetime64[D]")
        return cls(days, values, vol, change)

    def last_index(self, cutoff: datetime) -> int:
        """The newest close published by `cutoff` (−1 when none)."""
        day = cutoff.astimezone(DESK_TZ).date()
        if published_at(Dataset.PAR_CURVE, day) > cutoff:
            day -= timedelta(days=1)
        return int(np.searchsorted(self.days, np.datetime64(day, "D"), side="right")) - 1


@dataclass(frozen=True)
class _Surprises:
    """Completed auctions in the order their results came out: day, release time, surprise, tenor."""

    days: np.ndarray
    released: np.ndarray
    surprise: np.ndarray
    tenors: tuple[str, ...]


@dataclass(frozen=True)
class _Weekly:
    """A weekly series with each observation's release time (dealer positions, CFTC reports)."""

    values: pd.Series
    released: np.ndarray  # datetime64[s] UTC, ascending with the index

    @classmethod
    def of(cls, series: pd.Series, dataset: Dataset) -> _Weekly:
        clean = series.dropna().sort_index()
        times = [published_at(dataset, stamp.date()).timestamp() for stamp in clean.index]
        return cls(clean, np.array(times, dtype=float))

    def visible(self, cutoff: datetime) -> pd.Series:
        """The observations released by `cutoff`."""
        count = int(np.searchsorted(self.released, cutoff.timestamp(), side="right"))
        return self.values.iloc[:count]


def over_11y(frame: pd.DataFrame) -> pd.Series:
    """Dealers' net coupons over 11 years: the total less every other bucket (exact where both exist)."""
    others = frame[[key for key in NOT_OVER_11Y if key in frame.columns]].fillna(0.0).sum(axis=1)
    return (frame[TOTAL_KEY] - others).where(frame[TOTAL_KEY].notna())


def _zscore(value: float, window: pd.Series) -> float:
    spread = float(window.std())
    if len(window) < 10 or not math.isfinite(spread) or spread == 0.0:
        return math.nan
    return (value - float(window.mean())) / spread


class FeatureBuilder:
    """Rows of features for nominal coupon auctions, from the inputs as given (cut by each row's cutoff)."""

    def __init__(
        self,
        records: Sequence[AuctionRecord],
        closes: Mapping[str, pd.Series],
        positions: pd.DataFrame | None = None,
        leveraged: pd.DataFrame | None = None,
    ) -> None:
        self.series = {
            tenor: [r for r in series_of(records, tenor) if r.dealer_pct is not None] for tenor in NOMINAL_TENORS
        }
        self.curves = {tenor: _Curve.of(closes[tenor]) for tenor in NOMINAL_TENORS if tenor in closes}
        self.positions = _positions(positions) if positions is not None else {}
        self.leveraged = _leveraged(leveraged) if leveraged is not None else {}
        self._timing = {
            tenor: (
                np.array([np.datetime64(r.auction_date, "D") for r in series], dtype="datetime64[D]"),
                np.array([results_out(r).timestamp() for r in series], dtype=float),
            )
            for tenor, series in self.series.items()
        }
        self._surprises = self._market_table()

    # -- the auction history -----------------------------------------------------------------

    def priors(self, record: AuctionRecord, cutoff: datetime) -> list[AuctionRecord]:
        """Earlier auctions of the tenor (an earlier day, results out by `cutoff`), oldest first."""
        series = self.series.get(record.tenor, [])
        if not series:
            return []
        days, released = self._timing[record.tenor]
        chosen = (days < np.datetime64(record.auction_date, "D")) & (released <= cutoff.timestamp())
        return [series[index] for index in np.flatnonzero(chosen)]

    def _market_table(self) -> _Surprises:
        """Every completed auction's surprise against its own prior six, with its day and release time."""
        rows = []
        for tenor, series in self.series.items():
            for index, record in enumerate(series):
                shares = [r.dealer_pct for r in series[max(0, index - PRIOR_COUNT) : index] if r.dealer_pct is not None]
                if len(shares) < MIN_PRIORS or record.dealer_pct is None:
                    continue
                rows.append(
                    (results_out(record).timestamp(), record.auction_date, record.dealer_pct - np.mean(shares), tenor)
                )
        rows.sort(key=lambda row: (row[0], row[1]))
        return _Surprises(
            np.array([np.datetime64(row[1], "D") for row in rows], dtype="datetime64[D]"),
            np.array([row[0] for row in rows], dtype=float),
            np.array([row[2] for row in rows], dtype=float),
            tuple(row[3] for row in rows),
        )

    def _market(self, record: AuctionRecord, cutoff: datetime) -> tuple[float, float, list[str]]:
        """The mean surprise over the last six auctions of any tenor, this week's, and this week's tenors."""
        table = self._surprises
        day = np.datetime64(record.auction_date, "D")
        seen = np.flatnonzero((table.days < day) & (table.released <= cutoff.timestamp()))
        recent = seen[-MARKET_COUNT:]
        if len(recent) < MARKET_COUNT or int((day - table.days[recent].min()).astype(int)) > MARKET_MAX_AGE_DAYS:
            return math.nan, math.nan, []
        week = seen[table.days[seen] >= day - np.timedelta64(WEEK_DAYS, "D")]
        week_mean = float(table.surprise[week].mean()) if len(week) else 0.0
        return float(table.surprise[recent].mean()), week_mean, [table.tenors[i] for i in week]

    # -- one row ---------------------------------------------------------------------------------

    def row(self, record: AuctionRecord, as_of: datetime) -> FeatureRow:
        """`record`'s figures as they stood at `as_of` (cut at its close)."""
        cutoff = cutoff_for(record, as_of)
        priors = self.priors(record, cutoff)
        recent = priors[-PRIOR_COUNT:]
        shares = [float(r.dealer_pct) for r in recent if r.dealer_pct is not None]
        prior_mean = float(np.mean(shares)) if len(shares) >= MIN_PRIORS else None
        last = shares[-1] if shares else None
        market, week, week_tenors = self._market(record, cutoff)
        older = [float(r.dealer_pct) for r in priors[-2 * PRIOR_COUNT : -PRIOR_COUNT] if r.dealer_pct is not None]
        trend = prior_mean - float(np.mean(older)) if prior_mean is not None and len(older) >= MIN_PRIORS else 0.0
        sizes = [float(r.offering_amt) for r in recent if r.offering_amt is not None]
        size = (
            float(record.offering_amt) / float(np.mean(sizes)) - 1.0
            if record.offering_amt is not None and sizes
            else math.nan
        )
        features = {
            "market": market,
            "week": week,
            "trend": trend,
            "size": size,
            "reopening": 1.0 if record.reopening else 0.0,
        }
        detail: dict[str, object] = {"week_tenors": week_tenors, "size_bn": None}
        if record.offering_amt is not None:
            detail["size_bn"] = float(record.offering_amt) / 1e9
        features.update(self._curve_features(record, cutoff, detail))
        features.update(self._position_features(record, cutoff, detail))
        features.update(self._leveraged_features(record, cutoff))
        return FeatureRow(record, cutoff, prior_mean, len(shares), last, features, detail)

    def _curve_features(self, record: AuctionRecord, cutoff: datetime, detail: dict[str, object]) -> dict[str, float]:
        curve = self.curves.get(record.tenor)
        unknown = {"volatility": math.nan, "change_5d": math.nan}
        if curve is None:
            return unknown
        index = curve.last_index(cutoff)
        if index < VOL_DAYS:
            return unknown
        last_day = pd.Timestamp(curve.days[index]).date()
        if (record.auction_date - last_day).days > STALE_CLOSE_DAYS:
            return unknown
        history = curve.vol[max(0, index - VOL_HISTORY_DAYS) : index + 1]
        history = history[np.isfinite(history)]
        vol = float(curve.vol[index])
        detail["vol_percentile"] = float((history < vol).mean() * 100 + (history == vol).mean() * 50)
        detail["close_day"] = last_day
        return {"volatility": vol, "change_5d": float(curve.change[index])}

    def _position_features(
        self, record: AuctionRecord, cutoff: datetime, detail: dict[str, object]
    ) -> dict[str, float]:
        weekly = self.positions.get(record.tenor)
        if weekly is None:
            return {}
        seen = weekly.visible(cutoff)
        if len(seen) <= CHANGE_WEEKS:
            return {"dealer_position": math.nan, "dealer_position_4w": math.nan}
        level = float(seen.iloc[-1])
        change = level - float(seen.iloc[-1 - CHANGE_WEEKS])
        changes = seen.diff(CHANGE_WEEKS).dropna().iloc[-CHANGE_HISTORY:]
        detail["position_week"] = seen.index[-1].date()
        detail["position_bn"] = level / 1000
        detail["position_change_bn"] = change / 1000
        return {
            "dealer_position": _zscore(level, seen.iloc[-POSITION_WEEKS:]),
            "dealer_position_4w": change / float(changes.std()) if len(changes) >= 10 else math.nan,
        }

    def _leveraged_features(self, record: AuctionRecord, cutoff: datetime) -> dict[str, float]:
        weekly = self.leveraged.get(record.tenor)
        if weekly is None:
            return {}
        seen = weekly.visible(cutoff)
        if len(seen) <= CHANGE_WEEKS:
            return {"leveraged_4w": math.nan}
        changes = seen.diff(CHANGE_WEEKS).dropna().iloc[-CFTC_HISTORY:]
        spread = float(changes.std()) if len(changes) >= 10 else math.nan
        return {"leveraged_4w": float(changes.iloc[-1]) / spread if spread else math.nan}

    # -- the whole history -----------------------------------------------------------------------

    def history(self) -> list[FeatureRow]:
        """Every completed nominal auction at its own close, in the order results came out."""
        records = sorted(
            (r for series in self.series.values() for r in series), key=lambda r: (results_out(r), r.tenor)
        )
        return [self.row(record, close_of(record)) for record in records]


def _positions(frame: pd.DataFrame) -> dict[str, _Weekly]:
    """Each tenor's bucket of dealer net positions ($ millions) with release times."""
    found: dict[str, _Weekly] = {}
    long_end = _Weekly.of(over_11y(frame), Dataset.PRIMARY_DEALERS) if TOTAL_KEY in frame.columns else None
    for tenor in NOMINAL_TENORS:
        key = POSITION_KEYS.get(tenor)
        if key is None:
            if long_end is not None:
                found[tenor] = long_end
        elif key in frame.columns:
            found[tenor] = _Weekly.of(frame[key], Dataset.PRIMARY_DEALERS)
    return found


def _leveraged(frame: pd.DataFrame) -> dict[str, _Weekly]:
    """Each tenor's nearest futures contract: leveraged funds' net (contracts) with release times."""
    by_code = {code: _Weekly.of(frame[code], Dataset.CFTC_TFF) for code in set(CFTC_CODES.values()) if code in frame}
    return {tenor: by_code[code] for tenor, code in CFTC_CODES.items() if code in by_code}
