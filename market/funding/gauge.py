"""The stress gauge's components, read from a `FundingBook` (positioning's come from `positioning`)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from market.analytics import stress
from market.analytics.stress import DESK, FUNDING, RATES, Component, Gauge, LeverageLine
from market.funding.book import IORB_START, FundingBook
from market.funding.dealer_stress import dealer_components
from market.funding.positioning import ContractPosition as ContractPosition
from market.funding.positioning import positioning_change_component, positioning_component
from market.funding.positioning import positioning_table as positioning_table
from market.publication import Dataset, PointInTime, day_complete_at

# SRF take-up below this ($bn) is small-value test operations, not stress.
SRF_CALM_BN = 0.5


def sofr_minus_reserves(book: FundingBook) -> pd.Series:
    """SOFR − IORB (IOER before 2021-07-29), bp, on days with both."""
    sofr = book.rates("SOFR")["rate"]
    reserves = book.reserve_rate().reindex(sofr.index)
    return ((sofr - reserves) * 100).round(4).dropna()


def sofr_tail(book: FundingBook) -> pd.Series:
    """SOFR's 99th percentile − SOFR (the volume-weighted median), bp."""
    frame = book.rates("SOFR")
    return ((frame["p99"] - frame["rate"]) * 100).round(4).dropna()


def srf_take_up(book: FundingBook) -> pd.Series:
    """Standing Repo Facility take-up per day, $bn (from 2021-07-29; earlier repos were temporary OMOs)."""
    series = book.repo_take_up()
    return series.loc[pd.Timestamp(IORB_START) :]


def funding_components(book: FundingBook, as_of: date) -> list[Component]:
    return [
        stress.level_component(
            "sofr_iorb",
            FUNDING,
            "SOFR − IORB" if as_of >= IORB_START else "SOFR − IOER",
            "bp",
            sofr_minus_reserves(book),
            as_of,
            missing_reason="no SOFR or IORB/IOER on or before this date",
        ),
        stress.level_component(
            "sofr_tail",
            FUNDING,
            "SOFR 99th pct − median",
            "bp",
            sofr_tail(book),
            as_of,
            missing_reason="no SOFR percentiles on or before this date",
        ),
        stress.level_component(
            "srf",
            FUNDING,
            "SRF take-up",
            "$bn",
            srf_take_up(book),
            as_of,
            calm_below=SRF_CALM_BN,
            note=f"take-up under ${SRF_CALM_BN}bn (test operations) scores as calm",
            missing_reason="no Standing Repo Facility results on or before this date",
        ),
    ]


def rates_components(book: FundingBook, as_of: date) -> list[Component]:
    labels = {"10y": "10y 3-day move", "30y": "30y 3-day move"}
    if book.closes is None:
        return [
            stress.missing(f"move_{tenor}", RATES, label, "bp", "rates: not available (no yields history wired)")
            for tenor, label in labels.items()
        ]
    components = []
    for tenor, label in labels.items():
        closes = book.closes(tenor)
        components.append(
            stress.move_component(
                f"move_{tenor}",
                RATES,
                label,
                "%",
                closes,
                as_of,
                window=3,
                scale=100.0,
                missing_reason=f"no {tenor} closes on or before this date",
                note="size of the move either way",
            )
        )
    return components


def desk_components(book: FundingBook, as_of: date) -> tuple[list[Component], list[str]]:
    frame, notes = book.desk_feed()
    specs = [
        ("swap_spread_30y", "30y swap spread", "swap_spread_30y_bp"),
        ("swap_spread_10y", "10y swap spread", "swap_spread_10y_bp"),
    ]
    if not book.desk_feeds:
        reason = "not configured (set DESKBOT_DESK_FEED_URL)"
        return [
            *(stress.missing(key, DESK, label, "bp", reason) for key, label, _ in specs),
            stress.missing("ty_irp", DESK, "TY implied repo − SOFR", "bp", reason),
        ], notes
    components = []
    for key, label, column in specs:
        if column not in frame:
            components.append(stress.missing(key, DESK, label, "bp", f"the desk feed has no {column}"))
            continue
        components.append(
            stress.move_component(
                key,
                DESK,
                label,
                "bp",
                frame[column],
                as_of,
                window=5,
                direction=-1,
                missing_reason="the desk feed has no value near this date",
                note="a fall (wider negative) scores as stress",
            )
        )
    if "ty_implied_repo_pct" in frame:
        sofr = book.rates("SOFR")["rate"]
        spread = ((frame["ty_implied_repo_pct"] - sofr.reindex(frame.index)) * 100).dropna()
        components.append(
            stress.move_component(
                "ty_irp",
                DESK,
                "TY implied repo − SOFR",
                "bp",
                spread,
                as_of,
                window=5,
                direction=-1,
                missing_reason="the desk feed has no TY implied repo near this date",
                note="a fall scores as stress: below SOFR, futures are cheap to cash and the basis trade loses",
            )
        )
    else:
        components.append(
            stress.missing("ty_irp", DESK, "TY implied repo − SOFR", "bp", "the desk feed has no ty_implied_repo_pct")
        )
    return components, notes


def gauge(book: FundingBook, as_of: date, now: datetime | None = None) -> tuple[Gauge, LeverageLine, list[str]]:
    """The composite gauge on `as_of` (with what was public at `now`), the leverage line, and failed sources' notes.

    Each group reads its data as published by then: at 13:15 the rates group uses the previous
    close and the funding group the SOFR published that morning (for the day before).
    """
    point = PointInTime(now or day_complete_at(as_of), as_of)
    desk, notes = desk_components(book, point.latest_day(Dataset.DESK_FEED))
    components = [
        *funding_components(book, point.latest_day(Dataset.SOFR)),
        positioning_component(book, as_of, point.now),
        positioning_change_component(book, as_of, point.now),
        *rates_components(book, point.latest_day(Dataset.PAR_CURVE)),
        *dealer_components(book.dealers, book.repo_market, as_of, point),
        *desk,
    ]
    frame, _ = book.desk_feed()
    prices = frame["ty_price"] if "ty_price" in frame else None
    return stress.composite(as_of, components), stress.leverage_line(prices, as_of, "TY"), notes
