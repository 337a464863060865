"""How much of a coming note or bond auction primary dealers are expected to be left holding.

The desk's yardstick is the tenor's prior-six average; the model forecasts the gap to it,
with a ridge regression (numpy, standardised features, unpenalised intercept) fitted on
every earlier nominal auction whose result was out before the forecast's time. The
features are few and public (`takedown_features`): dealers' recent surprises across all
tenors and this week, the tenor's own trend, its yield volatility and 5-day move, the
size against the prior six, and new issue or reopening. The 80% range adds the 10th and
90th percentiles of the leave-one-out residuals of the latest 150 training auctions (as
wide as the model's out-of-sample misses, not its in-sample ones), scaled by how large
the tenor's own latest misses run against all tenors'.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from market.analytics.takedown_features import (
    NOMINAL_TENORS,
    FeatureBuilder,
    FeatureRow,
    cutoff_for,
    results_out,
)
from market.publication import Dataset, published_at
from market.records import AuctionRecord, describe_tenor
from market.tz import DESK_TZ

CORE: tuple[str, ...] = ("market", "week", "trend", "volatility", "change_5d", "size", "reopening")
WITH_POSITIONS = (*CORE, "dealer_position", "dealer_position_4w")
WITH_LEVERAGED = (*CORE, "leveraged_4w")
RIDGE_PENALTY = 30.0
INTERVAL_PERCENTILES = (10.0, 90.0)
RESIDUAL_WINDOW = 150
TENOR_WINDOW = 36  # a tenor's own latest misses, for the width of its range
MIN_TENOR_MISSES = 12
MIN_TRAINING = 30
DRIVER_COUNT = 3
DRIVER_MIN_PP = 0.3  # a push smaller than this is not worth naming
CACHE_SIZE = 4
FIT_CACHE_SIZE = 64


@dataclass(frozen=True)
class TakedownInputs:
    """The public data a forecast reads; `closes` gives a tenor's par closes (percent, by day)."""

    records: Sequence[AuctionRecord]
    closes: Callable[[str], pd.Series]
    positions: pd.DataFrame | None = None  # FR 2004 by week, columns by NY Fed key ($ millions)
    leveraged: pd.DataFrame | None = None  # CFTC leveraged funds' net by report, columns by contract code


@dataclass(frozen=True)
class TakedownForecast:
    """The expected dealer share of competitive accepted, its 80% range, and why."""

    tenor: str
    auction_date: date
    cutoff: datetime  # the time the forecast's data was read at
    point: float
    low: float
    high: float
    prior_mean: float
    drivers: tuple[str, ...]
    training_size: int
    training_dates: tuple[date, ...] = field(repr=False)


@dataclass(frozen=True)
class NoForecast:
    """Why there is no forecast (a kind the model does not cover, or too little history)."""

    tenor: str
    reason: str


@dataclass(frozen=True)
class Fit:
    """A fitted ridge model on standardised features, and the offsets of its 80% range."""

    features: tuple[str, ...]
    centre: np.ndarray
    scale: np.ndarray
    intercept: float
    coef: np.ndarray
    residuals: np.ndarray  # leave-one-out, oldest first
    tenors: tuple[str, ...]  # of the training auctions, in the same order
    training_dates: tuple[date, ...]

    def offsets(self, tenor: str) -> tuple[float, float]:
        """The 80% range around the point: the pooled percentiles of the latest misses, scaled by
        how large the tenor's own recent misses run against them (3y misses run wider than 30y)."""
        pooled = self.residuals[-RESIDUAL_WINDOW:]
        low, high = np.percentile(pooled, INTERVAL_PERCENTILES)
        own = self.residuals[np.array(self.tenors) == tenor][-TENOR_WINDOW:]
        ratio = 1.0
        if len(own) >= MIN_TENOR_MISSES:
            ratio = float(np.median(np.abs(own)) / np.median(np.abs(pooled)))
        return float(low) * ratio, float(high) * ratio

    def contributions(self, row: FeatureRow) -> np.ndarray:
        """Each feature's push on the forecast in pp, against an average training auction."""
        x = np.array([row.features[name] for name in self.features], dtype=float)
        return np.asarray(self.coef * (x - self.centre) / self.scale)


def fit_ridge(rows: Sequence[FeatureRow], features: Sequence[str], penalty: float = RIDGE_PENALTY) -> Fit:
    """Ridge on the surprise (dealers − prior-six average) with the leave-one-out residual range."""
    x = np.array([[row.features[name] for name in features] for row in rows], dtype=float)
    y = np.array([row.surprise for row in rows], dtype=float)
    centre = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - centre) / scale
    intercept = float(y.mean())
    gram = z.T @ z + penalty * np.eye(z.shape[1])
    coef = np.linalg.solve(gram, z.T @ (y - intercept))
    # Leave-one-out residuals of a ridge fit: e / (1 − h), the intercept counted in the leverage.
    leverage = np.einsum("ij,ij->i", z, np.linalg.solve(gram, z.T).T) + 1.0 / len(y)
    residuals = (y - intercept - z @ coef) / (1.0 - leverage)
    tenors = tuple(row.record.tenor for row in rows)
    dates = tuple(row.record.auction_date for row in rows)
    return Fit(tuple(features), centre, scale, intercept, coef, residuals, tenors, dates)


# -- caches: the feature rows per data version, the fits per training set -----------------------


@dataclass(frozen=True)
class Prepared:
    """A data version's builder and every completed auction's row at its own close, also as arrays."""

    version: Hashable
    builder: FeatureBuilder
    history: list[FeatureRow]
    days: np.ndarray = field(repr=False)  # datetime64[D]
    released: np.ndarray = field(repr=False)  # results out, epoch seconds
    surprise: np.ndarray = field(repr=False)  # NaN without a prior-six average

    @classmethod
    def of(cls, version: Hashable, builder: FeatureBuilder) -> Prepared:
        history = builder.history()
        return cls(
            version,
            builder,
            history,
            np.array([np.datetime64(row.record.auction_date, "D") for row in history], dtype="datetime64[D]"),
            np.array([results_out(row.record).timestamp() for row in history], dtype=float),
            np.array([math.nan if row.surprise is None else row.surprise for row in history], dtype=float),
        )

    def training(self, record: AuctionRecord, cutoff: datetime, features: Sequence[str]) -> list[FeatureRow]:
        """Earlier auctions (an earlier day, result out by `cutoff`) with the surprise and every feature known."""
        chosen = (
            (self.days < np.datetime64(record.auction_date, "D"))
            & (self.released <= cutoff.timestamp())
            & np.isfinite(self.surprise)
        )
        rows = [self.history[index] for index in np.flatnonzero(chosen)]
        return [row for row in rows if all(math.isfinite(row.features.get(name, math.nan)) for name in features)]


_lock = threading.Lock()
_prepared: OrderedDict[Hashable, Prepared] = OrderedDict()
_fits: OrderedDict[Hashable, Fit] = OrderedDict()


def _frame_version(frame: pd.DataFrame | pd.Series | None) -> Hashable:
    if frame is None or len(frame) == 0:
        return None
    values = frame.to_numpy(dtype=float)
    return (frame.shape, str(frame.index[0]), str(frame.index[-1]), float(np.nansum(values)))


def _version(inputs: TakedownInputs, closes: dict[str, pd.Series]) -> Hashable:
    """What the rows depend on: the auctions' figures, the closes, and the weekly data as given."""
    auctions = hash(
        tuple(
            (r.key, r.dealer_accepted, r.comp_accepted, r.offering_amt, r.reopening, r.closing_time, r.bid_to_cover)
            for r in inputs.records
            if r.tenor in NOMINAL_TENORS
        )
    )
    curve = tuple((tenor, _frame_version(series)) for tenor, series in closes.items())
    return (auctions, curve, _frame_version(inputs.positions), _frame_version(inputs.leveraged))


def prepared(inputs: TakedownInputs) -> Prepared:
    """The rows of every completed auction, built once per data version (a new result makes a new one)."""
    closes = {tenor: inputs.closes(tenor) for tenor in NOMINAL_TENORS}
    version = _version(inputs, closes)
    with _lock:
        if version in _prepared:
            _prepared.move_to_end(version)
            return _prepared[version]
    builder = FeatureBuilder(inputs.records, closes, inputs.positions, inputs.leveraged)
    built = Prepared.of(version, builder)
    with _lock:
        _prepared[version] = built
        while len(_prepared) > CACHE_SIZE:
            _prepared.popitem(last=False)
    return built


def _fit_for(rows: list[FeatureRow], features: tuple[str, ...], version: Hashable) -> Fit:
    key = (version, features, len(rows), rows[-1].record.key)
    with _lock:
        if key in _fits:
            _fits.move_to_end(key)
            return _fits[key]
    fit = fit_ridge(rows, features)
    with _lock:
        _fits[key] = fit
        while len(_fits) > FIT_CACHE_SIZE:
            _fits.popitem(last=False)
    return fit


def forecast_takedown(
    record: AuctionRecord, inputs: TakedownInputs, as_of: datetime, features: tuple[str, ...] = CORE
) -> TakedownForecast | NoForecast:
    """The dealer share expected for `record` from what was public at `as_of` (at most its close).

    The auctions and closes are first cut to what was out by then, so a result printed since
    (the flash's own) neither shows nor forces the rows to be rebuilt.
    """
    if record.tenor not in NOMINAL_TENORS:
        return _not_covered(record)
    cutoff = cutoff_for(record, as_of)
    public = TakedownInputs(
        [r for r in inputs.records if r.tenor in NOMINAL_TENORS and r.has_results and results_out(r) <= cutoff],
        _closes_until(inputs.closes, cutoff),
        inputs.positions,
        inputs.leveraged,
    )
    return forecast_from(prepared(public), record, as_of, features)


def _closes_until(closes: Callable[[str], pd.Series], cutoff: datetime) -> Callable[[str], pd.Series]:
    last = cutoff.astimezone(DESK_TZ).date()
    if published_at(Dataset.PAR_CURVE, last) > cutoff:
        last -= timedelta(days=1)
    return lambda tenor: closes(tenor).loc[: pd.Timestamp(last)]


def _not_covered(record: AuctionRecord) -> NoForecast:
    reason = f"no forecast for {_kind_words(record.tenor)} (the model covers nominal notes and bonds)"
    return NoForecast(record.tenor, reason)


def forecast_from(
    data: Prepared, record: AuctionRecord, as_of: datetime, features: tuple[str, ...] = CORE
) -> TakedownForecast | NoForecast:
    """The forecast from prepared rows, which may hold later auctions: each row and the training set are cut."""
    if record.tenor not in NOMINAL_TENORS:
        return _not_covered(record)
    name = describe_tenor(record.tenor)
    cutoff = cutoff_for(record, as_of)
    row = data.builder.row(record, as_of)
    if row.prior_mean is None:
        reason = f"no forecast for the {name} ({_earlier(row.prior_count)} with dealer shares)"
        return NoForecast(record.tenor, reason)
    missing = [feature for feature in features if not math.isfinite(row.features.get(feature, math.nan))]
    if missing:
        return NoForecast(record.tenor, f"no forecast for the {name} ({_missing_words(missing)} not known yet)")
    rows = data.training(record, cutoff, features)
    if len(rows) < MIN_TRAINING:
        return NoForecast(record.tenor, f"no forecast for the {name} ({_earlier(len(rows))} to fit on)")
    fit = _fit_for(rows, features, data.version)
    pushes = fit.contributions(row)
    point = row.prior_mean + fit.intercept + float(pushes.sum())
    low, high = fit.offsets(record.tenor)
    return TakedownForecast(
        tenor=record.tenor,
        auction_date=record.auction_date,
        cutoff=cutoff,
        point=_share(point),
        low=_share(point + low),
        high=_share(point + high),
        prior_mean=row.prior_mean,
        drivers=drivers(row, fit, pushes),
        training_size=len(rows),
        training_dates=fit.training_dates,
    )


def _earlier(count: int) -> str:
    if count == 0:
        return "no earlier auctions"
    return f"only {count} earlier auction{'s' if count != 1 else ''}"


def _share(value: float) -> float:
    return min(100.0, max(0.0, value))


def _kind_words(tenor: str) -> str:
    """`tips10y` → "10-year TIPS", `13w` → "13-week bills", `frn` → "2-year FRNs"."""
    name = describe_tenor(tenor)
    return name if "TIPS" in name else f"{name}s"


FEATURE_WORDS = {
    "market": "recent auctions",
    "week": "this week's auctions",
    "volatility": "yield volatility",
    "change_5d": "the 5-day yield change",
    "size": "the size against the prior six",
    "dealer_position": "dealers' net position",
    "dealer_position_4w": "dealers' 4-week position change",
    "leveraged_4w": "leveraged funds' 4-week change",
}


def _missing_words(missing: list[str]) -> str:
    return ", ".join(FEATURE_WORDS.get(name, name) for name in missing)


# -- drivers in words ------------------------------------------------------------------------------


def drivers(row: FeatureRow, fit: Fit, pushes: np.ndarray) -> tuple[str, ...]:
    """The largest pushes on the forecast (the drift included), each in words with its size in pp."""
    candidates = [(float(push), name) for push, name in zip(pushes, fit.features, strict=True)]
    candidates.append((fit.intercept, "drift"))
    ranked = sorted((c for c in candidates if abs(c[0]) >= DRIVER_MIN_PP), key=lambda c: -abs(c[0]))
    said = []
    for push, name in ranked[:DRIVER_COUNT]:
        words = _drift(fit) if name == "drift" else describe(name, row)
        said.append(f"{words} ({_signed(push, 1)} pp)")
    return tuple(said)


def _drift(fit: Fit) -> str:
    way = "below" if fit.intercept < 0 else "above"
    since = fit.training_dates[0].year
    return f"since {since} dealers have averaged {abs(fit.intercept):.1f} pp {way} their prior-six average"


def describe(name: str, row: FeatureRow) -> str:
    """One feature as a desk would say it."""
    value = row.features.get(name, math.nan)
    tenor = row.record.tenor
    more = "more" if value >= 0 else "less"
    above = "above" if value >= 0 else "below"
    up = "up" if value >= 0 else "down"
    if name == "market":
        return f"dealers took {abs(value):.1f} pp {more} than their prior-six average across the last six auctions"
    if name == "week":
        tenors = row.detail.get("week_tenors")
        which = f" ({', '.join(str(t) for t in tenors)})" if isinstance(tenors, list) and tenors else ""
        return f"this week's auctions{which} left dealers {abs(value):.1f} pp {more} than their prior-six average"
    if name == "trend":
        return f"the {tenor} dealer share trending {up}: the prior six {abs(value):.1f} pp {above} the six before"
    if name == "volatility":
        pct = row.detail.get("vol_percentile")
        where = _decile_words(pct) if isinstance(pct, float) else ""
        return f"{tenor} volatility {where}({value:.1f} bp a day over 20 days)"
    if name == "change_5d":
        way = "cheapened" if value >= 0 else "richened"
        return f"the {tenor} {way} into the auction ({_signed(value, 0)} bp in five days)"
    if name == "size":
        size = row.detail.get("size_bn")
        shown = f"${size:.1f}bn, " if isinstance(size, float) else ""
        return f"size {shown}{_signed(value * 100, 0)}% against the prior six"
    if name == "reopening":
        return "a reopening" if value else "a new issue"
    if name == "dealer_position":
        return f"dealers' net position in the {tenor} bucket {abs(value):.1f} s.d. {above} its 52-week average"
    if name == "dealer_position_4w":
        change = row.detail.get("position_change_bn")
        amount = f" by ${abs(change):.1f}bn" if isinstance(change, float) else ""
        return f"dealers' net position in the {tenor} bucket {up}{amount} in four weeks"
    if name == "leveraged_4w":
        return f"leveraged funds' net in the nearest future {up} {abs(value):.1f} s.d. in four weeks"
    return name


def _signed(value: float, digits: int) -> str:
    """+1.2 or −1.2: the desk's minus sign."""
    return f"{value:+.{digits}f}".replace("-", "−")


def _decile_words(percentile: float) -> str:
    if percentile >= 90:
        return "in its top decile "
    if percentile <= 10:
        return "in its bottom decile "
    return f"at its {_ordinal(round(percentile))} percentile "


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
