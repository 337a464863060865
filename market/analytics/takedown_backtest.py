"""Walk-forward test of the dealer-takedown forecast against the desk's two rules of thumb.

Each auction is forecast at its competitive close from a model fitted only on auctions
held on earlier days (`forecast_takedown` picks them), so every figure is out of sample.
The baselines are the prior-six average and the last auction of the same term; their
80% ranges are the 10th and 90th percentiles of their own misses on the latest 150
earlier auctions, so all three ranges are judged the same way.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from market.analytics.takedown import (
    CORE,
    INTERVAL_PERCENTILES,
    MIN_TRAINING,
    RESIDUAL_WINDOW,
    TakedownForecast,
    TakedownInputs,
    forecast_from,
    prepared,
)
from market.analytics.takedown_features import NOMINAL_TENORS, FeatureRow, close_of, results_out

BASELINES = ("prior six", "last")


@dataclass(frozen=True)
class Call:
    """One method's forecast of one auction: the point and its 80% range."""

    point: float
    low: float
    high: float

    def error(self, actual: float) -> float:
        return abs(actual - self.point)

    def covers(self, actual: float) -> bool:
        return self.low <= actual <= self.high


@dataclass(frozen=True)
class BacktestRow:
    """An auction, what dealers took, the model's forecast and the baselines'."""

    tenor: str
    day: date
    actual: float
    forecast: TakedownForecast
    baselines: dict[str, Call]

    @property
    def model(self) -> Call:
        return Call(self.forecast.point, self.forecast.low, self.forecast.high)


def _baseline_points(row: FeatureRow) -> dict[str, float | None]:
    return {"prior six": row.prior_mean, "last": row.last}


@dataclass(frozen=True)
class _Misses:
    """Each baseline's miss on every completed auction, with the auction's day and release time."""

    days: list[date]
    released: list[float]
    misses: dict[str, list[float | None]]

    @classmethod
    def of(cls, history: Sequence[FeatureRow]) -> _Misses:
        misses: dict[str, list[float | None]] = {name: [] for name in BASELINES}
        for row in history:
            for name, point in _baseline_points(row).items():
                misses[name].append(None if point is None or row.actual is None else row.actual - point)
        return cls(
            [row.record.auction_date for row in history],
            [results_out(row.record).timestamp() for row in history],
            misses,
        )

    def calls(self, row: FeatureRow) -> dict[str, Call] | None:
        """Each baseline's point and a range from its own misses on auctions out before `row`'s cutoff."""
        cutoff = row.cutoff.timestamp()
        seen = [
            index
            for index, (day, released) in enumerate(zip(self.days, self.released, strict=True))
            if day < row.record.auction_date and released <= cutoff
        ]
        calls = {}
        for name, point in _baseline_points(row).items():
            misses = [miss for index in seen if (miss := self.misses[name][index]) is not None][-RESIDUAL_WINDOW:]
            if point is None or len(misses) < MIN_TRAINING:
                return None
            low, high = np.percentile(misses, INTERVAL_PERCENTILES)
            calls[name] = Call(point, point + float(low), point + float(high))
        return calls


def walk_forward(inputs: TakedownInputs, start: date, end: date, features: tuple[str, ...] = CORE) -> list[BacktestRow]:
    """Every nominal auction from `start` to `end` that the model and both baselines could forecast."""
    data = prepared(inputs)
    misses = _Misses.of(data.history)
    rows = []
    for row in data.history:
        record = row.record
        if not start <= record.auction_date <= end or row.actual is None or record.tenor not in NOMINAL_TENORS:
            continue
        forecast = forecast_from(data, record, close_of(record), features)
        calls = misses.calls(row)
        if not isinstance(forecast, TakedownForecast) or calls is None:
            continue
        rows.append(BacktestRow(record.tenor, record.auction_date, row.actual, forecast, calls))
    return rows


@dataclass(frozen=True)
class Score:
    """MAE (pp), 80% range coverage and mean range width (pp) over a set of auctions."""

    count: int
    mae: float
    coverage: float
    width: float


def score(rows: Sequence[BacktestRow], method: str) -> Score:
    calls = [(row.model if method == "model" else row.baselines[method], row.actual) for row in rows]
    return Score(
        len(calls),
        statistics.fmean(call.error(actual) for call, actual in calls),
        statistics.fmean(call.covers(actual) for call, actual in calls),
        statistics.fmean(call.high - call.low for call, _actual in calls),
    )


def paired_gain(rows: Sequence[BacktestRow]) -> tuple[float, float]:
    """How much smaller the model's miss is than the prior six's, on average (pp), and its standard error."""
    gains = [row.baselines["prior six"].error(row.actual) - row.model.error(row.actual) for row in rows]
    return statistics.fmean(gains), statistics.stdev(gains) / len(gains) ** 0.5


def _change(model: Score, base: Score) -> str:
    return f"{(model.mae / base.mae - 1) * 100:+.1f}%".replace("-", "\u2212")


def markdown_table(rows: Sequence[BacktestRow], variants: dict[str, Sequence[BacktestRow]] | None = None) -> str:
    """Per tenor and overall: MAE, coverage and width for the model and the baselines; variants overall only."""
    lines = [
        "| Tenor | Auctions | Model MAE | Prior-six MAE | Last MAE | Model vs prior six | "
        "Model 80% cover | Prior-six cover | Last cover | 80% width, model / prior six |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups = [(tenor, [r for r in rows if r.tenor == tenor]) for tenor in NOMINAL_TENORS]
    for name, group in [*groups, ("**All**", list(rows))]:
        if not group:
            continue
        model, prior, last = score(group, "model"), score(group, "prior six"), score(group, "last")
        lines.append(
            f"| {name} | {model.count} | {model.mae:.2f} | {prior.mae:.2f} | {last.mae:.2f} | "
            f"{_change(model, prior)} | {model.coverage:.0%} | {prior.coverage:.0%} | {last.coverage:.0%} | "
            f"{model.width:.1f} / {prior.width:.1f} |"
        )
    for label, variant in (variants or {}).items():
        model, prior = score(variant, "model"), score(variant, "prior six")
        lines.append(
            f"| {label} | {model.count} | {model.mae:.2f} | {prior.mae:.2f} | | "
            f"{_change(model, prior)} | {model.coverage:.0%} | | | {model.width:.1f} / {prior.width:.1f} |"
        )
    return "\n".join(lines)
