"""The basis-trade stress gauge: components, their percentiles, traffic lights and one score.

Pure functions over pandas series. Every component is scored as a *stress
percentile* (0-100, higher = more stressed) in its own history up to the
as-of date. Groups and weights are fixed and stated in every answer; a
missing component is named and its weight shared by what is present,
never zero-filled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

FUNDING, DEALERS, POSITIONING, RATES, DESK = "funding", "dealers", "positioning", "rates", "desk feed"
GROUP_WEIGHTS: dict[str, float] = {FUNDING: 0.25, DEALERS: 0.15, POSITIONING: 0.15, RATES: 0.20, DESK: 0.25}
BASIS_GROUPS = (POSITIONING, RATES, DESK)
YELLOW, RED = 75.0, 90.0
LEVERAGES = (20, 50)


@dataclass(frozen=True)
class Component:
    """One input to the gauge at the as-of date.

    `value` and `change` are in `unit`; `percentile` is the stress percentile
    (0-100) in the component's own history; `missing` says why it is absent.
    """

    key: str
    group: str
    label: str
    unit: str
    value: float | None = None
    change: float | None = None
    change_label: str = ""
    percentile: float | None = None
    observed_on: date | None = None
    history_from: date | None = None
    history_size: int = 0
    note: str = ""
    missing: str | None = None
    # Another reading of the same strain (a level and its recent change): the group scores the larger.
    alternative_to: str | None = None

    @property
    def present(self) -> bool:
        return self.missing is None and self.percentile is not None

    @property
    def light(self) -> str:
        return traffic_light(self.percentile)


@dataclass(frozen=True)
class Gauge:
    """The composite score and how it was made."""

    as_of: date
    components: tuple[Component, ...]
    score: float | None
    group_scores: dict[str, float | None]
    weights_used: dict[str, float]
    funding_score: float | None
    basis_score: float | None
    call: str
    drivers: tuple[Component, ...] = field(default=())

    @property
    def light(self) -> str:
        return traffic_light(None if self.score is None else round(self.score))

    @property
    def missing(self) -> tuple[Component, ...]:
        return tuple(c for c in self.components if not c.present)


def traffic_light(percentile: float | None) -> str:
    """Slack emoji: green below the 75th percentile, yellow to the 90th, red at or above."""
    if percentile is None or math.isnan(percentile):
        return ":white_circle:"
    if percentile >= RED:
        return ":red_circle:"
    if percentile >= YELLOW:
        return ":large_yellow_circle:"
    return ":large_green_circle:"


def stress_percentile(history: pd.Series, value: float, higher_is_stress: bool = True) -> float:
    """Where `value` sits in `history` (0-100, mid-rank for ties), oriented so higher = more stress."""
    clean = history.dropna()
    if clean.empty:
        return float("nan")
    below = float((clean < value).sum())
    ties = float((clean == value).sum())
    rank = 100.0 * (below + 0.5 * ties) / len(clean)
    return rank if higher_is_stress else 100.0 - rank


def upto(series: pd.Series, as_of: date) -> pd.Series:
    """The series up to and including `as_of`, NaN dropped."""
    return series.loc[: pd.Timestamp(as_of)].dropna()


def level_component(
    key: str,
    group: str,
    label: str,
    unit: str,
    series: pd.Series,
    as_of: date,
    *,
    higher_is_stress: bool = True,
    change_lag: int = 1,
    change_label: str = "d/d",
    calm_below: float | None = None,
    max_age_days: int = 7,
    missing_reason: str = "no data",
    note: str = "",
) -> Component:
    """A component scored on its level (e.g. SOFR − IORB) at the latest observation ≤ `as_of`."""
    history = upto(series, as_of)
    if history.empty or (as_of - history.index[-1].date()).days > max_age_days:
        return Component(key, group, label, unit, missing=missing_reason)
    value = float(history.iloc[-1])
    change = float(value - history.iloc[-1 - change_lag]) if len(history) > change_lag else None
    percentile = (
        0.0 if calm_below is not None and value < calm_below else stress_percentile(history, value, higher_is_stress)
    )
    return Component(
        key,
        group,
        label,
        unit,
        value=value,
        change=change,
        change_label=change_label,
        percentile=percentile,
        observed_on=history.index[-1].date(),
        history_from=history.index[0].date(),
        history_size=len(history),
        note=note,
    )


def move_component(
    key: str,
    group: str,
    label: str,
    unit: str,
    series: pd.Series,
    as_of: date,
    *,
    window: int,
    scale: float = 1.0,
    direction: int = 0,
    max_age_days: int = 7,
    missing_reason: str = "no data",
    note: str = "",
) -> Component:
    """A component scored on its `window`-observation move (e.g. the 10y's 3-day move in bp).

    `direction` 0 scores the size of the move either way; −1 scores falls as stress, +1 rises.
    The value shown is the level; `change` is the move.
    """
    history = upto(series, as_of)
    if len(history) <= window or (as_of - history.index[-1].date()).days > max_age_days:
        return Component(key, group, label, unit, missing=missing_reason)
    moves = (history - history.shift(window)).dropna() * scale
    move = float(moves.iloc[-1])
    if direction == 0:
        percentile = stress_percentile(moves.abs(), abs(move))
    else:
        percentile = stress_percentile(moves * direction, move * direction)
    return Component(
        key,
        group,
        label,
        unit,
        value=float(history.iloc[-1]),
        change=move,
        change_label=f"{window}-day",
        percentile=percentile,
        observed_on=history.index[-1].date(),
        history_from=history.index[0].date(),
        history_size=len(moves),
        note=note,
    )


def missing(key: str, group: str, label: str, unit: str, reason: str) -> Component:
    return Component(key, group, label, unit, missing=reason)


def zscore(series: pd.Series, window: int) -> float | None:
    """The last value's z-score against the trailing `window` observations (itself included)."""
    tail = series.dropna().iloc[-window:]
    if len(tail) < 10 or float(tail.std()) == 0.0:
        return None
    return float((tail.iloc[-1] - tail.mean()) / tail.std())


def composite(as_of: date, components: list[Component]) -> Gauge:
    """Average percentiles within each group, then weight the groups; missing weight is shared out."""
    group_scores: dict[str, float | None] = {}
    for group in GROUP_WEIGHTS:
        present = _group_percentiles([c for c in components if c.group == group and c.present])
        group_scores[group] = sum(present) / len(present) if present else None
    scored = {group: value for group, value in group_scores.items() if value is not None}
    total = sum(GROUP_WEIGHTS[group] for group in scored)
    weights_used = {group: GROUP_WEIGHTS[group] / total for group in scored} if total else {}
    score = sum(weights_used[g] * scored[g] for g in weights_used) if weights_used else None
    funding = group_scores[FUNDING]
    basis_scored = {g: scored[g] for g in BASIS_GROUPS if g in scored}
    basis_total = sum(GROUP_WEIGHTS[g] for g in basis_scored)
    basis = sum(GROUP_WEIGHTS[g] * value for g, value in basis_scored.items()) / basis_total if basis_scored else None
    drivers = _drivers(components, weights_used)
    return Gauge(
        as_of=as_of,
        components=tuple(components),
        score=score,
        group_scores=group_scores,
        weights_used=weights_used,
        funding_score=funding,
        basis_score=basis,
        call=stress_call(components),
        drivers=drivers,
    )


def _group_percentiles(present: list[Component]) -> list[float]:
    """Each present component's percentile, an alternative reading and its partner counted once, at the larger."""
    scores = {c.key: c.percentile or 0.0 for c in present}
    for component in present:
        partner = component.alternative_to
        if partner is not None and partner in scores:
            scores[partner] = max(scores[partner], scores.pop(component.key))
    return list(scores.values())


def _drivers(components: list[Component], weights_used: dict[str, float]) -> tuple[Component, ...]:
    """Components at or above the 75th percentile, largest contribution to the score first."""
    counts = {g: sum(1 for c in components if c.group == g and c.present) for g in weights_used}

    def contribution(component: Component) -> float:
        return (
            weights_used.get(component.group, 0.0)
            / max(counts.get(component.group, 1), 1)
            * (component.percentile or 0)
        )

    hot = [c for c in components if c.present and (c.percentile or 0) >= YELLOW]
    return tuple(sorted(hot, key=contribution, reverse=True))


def stress_call(components: list[Component]) -> str:
    """What the observed components show, and only that: a mechanism is named on its own evidence.

    - a funding squeeze: two funding components at or above the 90th percentile;
    - a basis/swap-spread unwind: two desk-feed components there, or one with the leveraged
      short at or above it too (the CFTC level alone is a crowded trade, not an unwind);
    - a sharp rates move: both the 10y and 30y 3-day moves there;
    - dealers' balance sheets under strain: two dealer components there.
    Without the desk feed, a basis unwind cannot be told from a rates move, and the call says so.
    """
    hot = {group: _hot(components, group) for group in GROUP_WEIGHTS}
    named = []
    if len(hot[FUNDING]) >= 2:
        named.append(f"a funding squeeze ({_labels(hot[FUNDING])})")
    if len(hot[DESK]) >= 2 or (hot[DESK] and hot[POSITIONING]):
        named.append(f"a basis/swap-spread unwind ({_labels(hot[DESK] + hot[POSITIONING])})")
    if len(hot[RATES]) >= 2:
        named.append(f"a sharp rates move ({_labels(hot[RATES])})")
    if len(hot[DEALERS]) >= 2:
        named.append(f"dealers' balance sheets under strain ({_labels(hot[DEALERS])})")
    if named:
        text = "The data show " + " and ".join(named) + "."
    elif not any(c.present for c in components):
        return "Not enough data to say where stress is."
    else:
        text = f"No mechanism stands out: no group has two components at or above the {RED:.0f}th percentile."
    if not any(c.present for c in components if c.group == DESK):
        text += (
            " Swap spreads and implied repo are not configured (desk feed): a basis unwind cannot be told"
            " from a rates move."
        )
    return text


def _hot(components: list[Component], group: str) -> list[Component]:
    return [c for c in components if c.group == group and c.present and (c.percentile or 0) >= RED]


def _labels(components: list[Component]) -> str:
    """`SOFR − IORB in its top 1%, …`: where each sits in its own history."""
    return ", ".join(f"{c.label} in its top {max(1, round(100 - (c.percentile or 0)))}%" for c in components)


@dataclass(frozen=True)
class LeverageLine:
    """What a week's futures move means for a leveraged basis position."""

    contract: str
    move_pct: float | None
    start: date | None
    end: date | None
    cushions: tuple[tuple[int, float], ...]  # (leverage, loss that wipes out the equity, %)

    def text(self) -> str:
        cushions = ", ".join(f"{lev}× → {loss:.0f}%" for lev, loss in self.cushions)
        head = f"Leverage: a loss of 1/L of the position wipes out the equity ({cushions})."
        if self.move_pct is None:
            return f"{head} The week's {self.contract} move needs the desk feed's {self.contract} price."
        parts = ", ".join(f"{abs(self.move_pct) / loss:.0%} of the {lev}× cushion" for lev, loss in self.cushions)
        move = f"{self.move_pct:+.2f}".replace("-", "−")
        return f"{head} {self.contract} moved {move}% in the week to {self.end} ({parts})."


def leverage_line(prices: pd.Series | None, as_of: date, contract: str = "TY") -> LeverageLine:
    """The latest week's move in `prices` (a futures price series) against 20× and 50× cushions."""
    cushions = tuple((lev, 100.0 / lev) for lev in LEVERAGES)
    if prices is None:
        return LeverageLine(contract, None, None, None, cushions)
    history = upto(prices, as_of)
    if history.empty or (as_of - history.index[-1].date()).days > 7:
        return LeverageLine(contract, None, None, None, cushions)
    end = history.index[-1]
    earlier = history.loc[: end - pd.Timedelta(days=7)]
    if earlier.empty:
        return LeverageLine(contract, None, None, None, cushions)
    move = (float(history.iloc[-1]) / float(earlier.iloc[-1]) - 1) * 100
    return LeverageLine(contract, move, earlier.index[-1].date(), end.date(), cushions)
