"""Alert rules: which desk conditions a day met, as plain values (a command words them).

Each alert has a stable `condition` name, so a scheduled check posts it once per day
and channel however often it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import pandas as pd

from market.analytics.rarity import day_moves, rank
from market.records import AuctionRecord, Kind

# Every coupon tenor of the curve, unless the desk sets its own (DESKBOT_ALERT_TENORS).
ALERT_TENORS = ("2y", "3y", "5y", "7y", "10y", "20y", "30y")


@dataclass(frozen=True)
class AlertThresholds:
    """When an alert fires (configurable; defaults are the desk's)."""

    move_1d_bp: float = 15.0
    move_3d_percentile: float = 99.0
    # The 3-day rule ranks against this many years of windows (None: the whole series). The
    # 1979-85 moves would otherwise set the bar: a 30y +31 bp in 3 days is 98.9th since 1977.
    move_3d_history_years: int | None = 20
    dealer_pct: float = 40.0
    sofr_iorb_bp: float = 10.0
    srf_bn: float = 10.0
    gauge_score: float = 80.0
    tenors: tuple[str, ...] = ALERT_TENORS


class AlertKind(StrEnum):
    MOVE_1D = "move1d"  # a tenor's close-to-close move, bp
    MOVE_3D = "move3d"  # a tenor's 3-day move, bp, with its percentile in history
    DEALERS = "dealers"  # primary dealers' share of an auction, %
    SOFR_RESERVES = "sofr-iorb"  # SOFR minus the rate on reserves, bp
    SRF = "srf"  # Standing Repo Facility take-up, $bn
    GAUGE = "gauge"  # the basis-stress gauge, 0-100


@dataclass(frozen=True)
class Alert:
    """One condition that fired: what, on which series, the value against its threshold."""

    kind: AlertKind
    subject: str  # a tenor ("30y") or the series name
    value: float
    threshold: float
    observed: date  # the close, fixing or auction the condition is about
    percentile: float | None = None
    history_from: date | None = None  # the first window a percentile ranks against

    @property
    def condition(self) -> str:
        """The stable name a post is keyed by, with the observation's date: `move1d-30y:2025-04-08`.

        A check later in the day that still sees yesterday's close does not post it again.
        """
        name = f"{self.kind.value}-{self.subject}" if self.kind in _PER_SUBJECT else self.kind.value
        return f"{name}:{self.observed.isoformat()}"


_PER_SUBJECT = frozenset({AlertKind.MOVE_1D, AlertKind.MOVE_3D, AlertKind.DEALERS})


def evaluate_alerts(
    limits: AlertThresholds,
    *,
    closes: Callable[[str], pd.Series] | None = None,
    close_day: date | None = None,
    auctions: Sequence[AuctionRecord] = (),
    auction_day: date | None = None,
    funding: FundingReadings | None = None,
) -> list[Alert]:
    """Every condition met by the data given, each on its own observation date.

    `close_day` is the close the move rules read (the latest published one), `auction_day`
    the day whose printed auctions count, `funding` the fixings published by then.
    """
    fired: list[Alert] = []
    if closes is not None and close_day is not None:
        fired.extend(_move_alerts(close_day, limits, closes))
    for record in auctions:
        # The dealer line is a coupon one: dealers take about 40% of a bill auction as a matter of course.
        dealers = None if record.kind in (Kind.BILL, Kind.CMB) else record.dealer_pct
        if record.auction_date == auction_day and dealers is not None and dealers >= limits.dealer_pct:
            fired.append(Alert(AlertKind.DEALERS, record.tenor, dealers, limits.dealer_pct, record.auction_date))
    if funding is not None:
        fired.extend(_funding_alerts(limits, funding))
    return fired


def _move_alerts(day: date, limits: AlertThresholds, closes: Callable[[str], pd.Series]) -> list[Alert]:
    fired = []
    for tenor in limits.tenors:
        series = closes(tenor)
        if pd.Timestamp(day) not in series.index:
            continue
        one = rank(day_moves(series, 1), day)
        if one is not None and abs(one.window.bp) >= limits.move_1d_bp:
            fired.append(Alert(AlertKind.MOVE_1D, tenor, one.window.bp, limits.move_1d_bp, day))
        years = limits.move_3d_history_years
        history_from = None if not years else _years_before(day, years)
        three = rank(day_moves(series, 3), day, history_from=history_from)
        if three is not None and max(three.percentile, 100 - three.percentile) >= limits.move_3d_percentile:
            fired.append(
                Alert(
                    AlertKind.MOVE_3D,
                    tenor,
                    three.window.bp,
                    limits.move_3d_percentile,
                    day,
                    three.percentile,
                    three.history_start,
                )
            )
    return fired


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class FundingReadings:
    """The funding figures the rules read, each as last published: (day, value), or None when there is none."""

    sofr_minus_reserves_bp: tuple[date, float] | None
    srf_take_up_bn: tuple[date, float] | None
    gauge_score: tuple[date, float] | None
    reserve_label: str = "IORB"  # IOER before 29 July 2021


def _funding_alerts(limits: AlertThresholds, readings: FundingReadings) -> list[Alert]:
    fired = []
    if readings.sofr_minus_reserves_bp is not None:
        day, spread = readings.sofr_minus_reserves_bp
        if spread >= limits.sofr_iorb_bp:
            subject = f"SOFR − {readings.reserve_label}"
            fired.append(Alert(AlertKind.SOFR_RESERVES, subject, spread, limits.sofr_iorb_bp, day))
    if readings.srf_take_up_bn is not None:
        day, take_up = readings.srf_take_up_bn
        if take_up >= limits.srf_bn:
            fired.append(Alert(AlertKind.SRF, "SRF take-up", take_up, limits.srf_bn, day))
    if readings.gauge_score is not None:
        day, score = readings.gauge_score
        if score >= limits.gauge_score:
            fired.append(Alert(AlertKind.GAUGE, "stress gauge", score, limits.gauge_score, day))
    return fired
