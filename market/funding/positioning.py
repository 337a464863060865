"""Leveraged funds' positioning in Treasury futures: per contract, and added up in 10y-note equivalents.

A 2y contract carries about a fifth of an Ultra Bond's rate risk, so contract counts are
not added: each contract's net is weighted by its DV01 over TY's
(`market.analytics.futures_dv01`, from the par curve on the report date).

A week's total is only compared with weeks that report the same contracts. The CFTC history
lacks the Ultra 10y in 2015-16, December 2020, 2023, late 2024 and most of 2025 (and the
Ultra Bond in two weeks of September 2025); a total that silently drops a contract would
read as positions cut that were only not reported. So the total of a report that has every contract is
ranked among the weeks that have every contract, and the total of a report that lacks one is
computed over the contracts it has and ranked among the weeks that have those.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from market.analytics import stress
from market.analytics.futures_dv01 import BASE, CURVE_TENORS, dv01_frame
from market.analytics.stress import POSITIONING, Component
from market.funding.book import FundingBook
from market.publication import Dataset, PointInTime, day_complete_at
from market.sources.cftc import TREASURY_CONTRACTS

# z-scores compare a report with those dated up to three calendar years before it.
Z_WINDOW_DAYS = 3 * 365
EQUIVALENTS = "10y-note equivalents"
CONTRACTS = "contracts"
LABEL = "Leveraged funds' net, 10y-note equivalents"
UNWEIGHTED_LABEL = "Leveraged funds' net in contracts, not DV01-weighted"
# CFTC contract market code → CME root.
ROOTS: dict[str, str] = {
    "042601": "TU",
    "044601": "FV",
    "043602": "TY",
    "043607": "TN",
    "020601": "US",
    "020604": "WN",
}
BASE_CODE = next(code for code, root in ROOTS.items() if root == BASE)
BASE_TENOR = "10y"

_kept: weakref.WeakKeyDictionary[FundingBook, tuple[Hashable, pd.DataFrame]] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def published_positions(book: FundingBook, as_of: date, now: datetime | None = None) -> pd.DataFrame:
    """Leveraged funds' net by contract, only the reports public at `now` (Tuesday's, from Friday 15:30 ET).

    Without `now`, as of `as_of`'s close with everything for it published.
    """
    frame = book.leveraged_net()
    # Release days rise with report dates, so the newest public report bounds them all.
    latest = PointInTime(now or day_complete_at(as_of)).latest_day(Dataset.CFTC_TFF)
    return frame.loc[: pd.Timestamp(latest)]


def dv01_by_report(book: FundingBook) -> pd.DataFrame | None:
    """Each contract's DV01 ($ per contract per bp) on every report date, and the curve close used (`curve_day`).

    None when the book has no yields history to read the curve from. Kept per book until
    the positions or the curve change: every gauge reading asks for it.
    """
    if book.closes is None:
        return None
    ten = book.closes(BASE_TENOR)  # the curve's rows arrive together: one tenor says whether it changed
    reports = book.leveraged_net().index
    state = (len(ten), ten.index[-1] if len(ten) else None, len(reports), reports[-1] if len(reports) else None)
    with _kept_lock:
        kept = _kept.get(book)
        if kept is not None and kept[0] == state:
            return kept[1].copy()
    curve = pd.concat({tenor: book.closes(tenor) for tenor in CURVE_TENORS}, axis=1)
    by_root = dv01_frame(curve, pd.DatetimeIndex(reports), tuple(ROOTS.values()))
    frame = by_root.rename(columns={root: code for code, root in ROOTS.items()})
    with _kept_lock:
        _kept[book] = (state, frame)
    return frame.copy()


def ten_year_weights(dv01: pd.DataFrame) -> pd.DataFrame:
    """DV01 over TY's, per report date and contract code: the number of TY contracts one contract is worth."""
    return dv01[list(ROOTS)].astype(float).div(dv01[BASE_CODE].astype(float), axis=0)


def leveraged_total(frame: pd.DataFrame, weights: pd.DataFrame | None = None) -> pd.Series:
    """Net summed over `frame`'s contracts on the weeks that report every one of them (NaN on the others).

    With `weights` (per report date and contract), in 10y-note equivalents; without, in contracts.
    """
    scaled = frame if weights is None else frame * weights.reindex(index=frame.index, columns=frame.columns)
    complete = scaled.notna().all(axis=1)
    return scaled.sum(axis=1, min_count=1).where(complete)


def calendar_zscore(series: pd.Series, days: int = Z_WINDOW_DAYS) -> tuple[float | None, pd.Series]:
    """The last value's z-score against the values dated at most `days` before it (itself included), and those values.

    A calendar window, not a count of reports: with weeks missing, 156 reports can span 4.5 years.
    """
    clean = series.dropna()
    if clean.empty:
        return None, clean
    window = clean.loc[clean.index[-1] - pd.Timedelta(days=days) :]
    if len(window) < 10 or float(window.std()) == 0.0:
        return None, window
    return float((window.iloc[-1] - window.mean()) / window.std()), window


@dataclass(frozen=True)
class Aggregate:
    """Leveraged funds' net added up over the contracts of the latest report, on every report date.

    `weekly` is NaN on the weeks that lack one of those contracts; `weights` is None when
    no yields history is wired (the total is then in contracts).
    """

    report: date | None
    codes: tuple[str, ...]
    absent: tuple[str, ...]
    positions: pd.DataFrame  # the basket's contracts, in contracts
    weekly: pd.Series
    weights: pd.DataFrame | None
    curve_day: date | None

    @property
    def unit(self) -> str:
        return CONTRACTS if self.weights is None else EQUIVALENTS

    @property
    def series(self) -> pd.Series:
        """The total on the weeks that report every contract of the basket."""
        return self.weekly.dropna()

    def changes(self, weeks: int) -> pd.Series:
        """The change over `weeks` reports, where both ends report every contract of the basket.

        Both ends are weighted with the later report's DV01s, so a move in yields (which
        changes every DV01) is not read as positions being added or cut.
        """
        return leveraged_total(self.positions - self.positions.shift(weeks), self.weights).dropna()

    @property
    def label(self) -> str:
        head = LABEL if self.weights is not None else UNWEIGHTED_LABEL
        return f"{head}, without {', '.join(self.absent)}" if self.absent else head

    def at(self, series: pd.Series) -> float | None:
        """`series` on the latest report, None when it has no value there."""
        value = series.get(pd.Timestamp(self.report)) if self.report is not None else None
        return None if value is None or pd.isna(value) else float(value)


def aggregate(book: FundingBook, frame: pd.DataFrame) -> Aggregate:
    """The total of `frame` (published positions) over the contracts its latest report has."""
    dv01 = dv01_by_report(book)
    weights = ten_year_weights(dv01) if dv01 is not None else None
    if frame.empty:
        return Aggregate(None, (), (), frame, pd.Series(dtype=float), weights, None)
    latest = frame.iloc[-1]
    codes = tuple(code for code in frame.columns if pd.notna(latest[code]))
    absent = tuple(TREASURY_CONTRACTS[code] for code in frame.columns if code not in codes)
    positions = frame[list(codes)]
    weekly = leveraged_total(positions, weights) if codes else pd.Series(float("nan"), index=frame.index)
    report = frame.index[-1]
    curve_day = None
    if dv01 is not None and report in dv01.index and pd.notna(dv01.loc[report, "curve_day"]):
        curve_day = pd.Timestamp(dv01.loc[report, "curve_day"]).date()
    return Aggregate(report.date(), codes, absent, positions, weekly, weights, curve_day)


def published_aggregate(book: FundingBook, as_of: date, now: datetime | None = None) -> Aggregate:
    """The total in the latest report published by `now` and dated on or before `as_of`."""
    return aggregate(book, published_positions(book, as_of, now).loc[: pd.Timestamp(as_of)])


def _weighting_note(total: Aggregate) -> str:
    if total.weights is None:
        return "in contracts, summed unweighted (no yields history wired for DV01 weights)"
    note = "in 10y-note equivalents (DV01-weighted; see README)"
    if total.curve_day is not None and total.report is not None and (total.report - total.curve_day).days > 7:
        note += f", on the par curve of {total.curve_day}, the latest held"
    return note


def _basket_note(total: Aggregate, count: int, things: str) -> str:
    """How many weeks the history holds, and what a missing contract means for this week's total.

    `things` names what was counted, e.g. "weeks reporting" or "4-week changes between weeks reporting".
    """
    if not total.absent:
        return f"ranked among the {count} {things} all {len(total.codes)} contracts"
    return (
        f"{', '.join(total.absent)} not reported that week: the total covers the other {len(total.codes)}, "
        f"not comparable with weeks that have all {len(TREASURY_CONTRACTS)}, so it is ranked among "
        f"the {count} {things} those {len(total.codes)}"
    )


def positioning_component(book: FundingBook, as_of: date, now: datetime | None = None) -> Component:
    """Leveraged funds' net total: the larger the short, the more basis trade there is to unwind."""
    total = published_aggregate(book, as_of, now)
    component = stress.level_component(
        "lev_net",
        POSITIONING,
        total.label,
        total.unit,
        total.series,
        as_of,
        higher_is_stress=False,
        change_label="w/w",
        max_age_days=14,
        missing_reason="no CFTC report published on or before this date",
    )
    if not component.present or component.observed_on != total.report:
        return component
    z, window = calendar_zscore(total.series)
    notes = [_weighting_note(total), _basket_note(total, len(total.series), "weeks reporting")]
    if z is not None:
        z_text = f"{z:+.1f}".replace("-", "−")
        notes.append(f"z-score {z_text} over the 3 years to {total.report} ({len(window)} of those weeks)")
    return replace(component, change=total.at(total.changes(1)), note="; ".join(notes))


def positioning_change_component(book: FundingBook, as_of: date, now: datetime | None = None) -> Component:
    """The 4-week change in leveraged funds' net: a short being added is stress; a crowded, stable one is not."""
    total = published_aggregate(book, as_of, now)
    four_weeks = total.changes(4)
    label = "Leveraged funds' net, 4-week change" + (f", without {', '.join(total.absent)}" if total.absent else "")
    component = stress.level_component(
        "lev_net_4w",
        POSITIONING,
        label,
        total.unit,
        four_weeks,
        as_of,
        higher_is_stress=False,
        change_label="w/w",
        max_age_days=14,
        missing_reason="no 4-week change between two reports with the same contracts on or before this date",
        note="more short added scores as stress",
    )
    if not component.present or component.observed_on != total.report:
        return component
    on_reports = four_weeks.reindex(total.weekly.index)
    current, before = total.at(on_reports), total.at(on_reports.shift(1))
    things = "4-week changes between weeks reporting"
    weighted = "; both weeks at the later one's DV01s" if total.weights is not None else ""
    note = f"more short added scores as stress{weighted}; {_basket_note(total, len(four_weeks), things)}"
    change = None if current is None or before is None else current - before
    return replace(component, change=change, note=note)


@dataclass(frozen=True)
class ContractPosition:
    """One contract's leveraged-fund net in the latest published report."""

    code: str
    name: str
    net: float | None
    change: float | None
    zscore: float | None
    percentile: float | None


def positioning_table(
    book: FundingBook, as_of: date, now: datetime | None = None
) -> tuple[date | None, list[ContractPosition]]:
    """Per-contract net, week change, 3-year z-score and stress percentile (more short = higher), in contracts."""
    frame = published_positions(book, as_of, now)
    if frame.empty:
        return None, []
    report = frame.index[-1].date()
    rows = []
    for code, name in TREASURY_CONTRACTS.items():
        series = frame[code].dropna()
        if series.empty or series.index[-1].date() != report:
            rows.append(ContractPosition(code, name, None, None, None, None))
            continue
        net = float(series.iloc[-1])
        previous = frame[code].shift(1).iloc[-1]  # the week before, not the last week that reported it
        change = None if pd.isna(previous) else float(net - previous)
        rows.append(
            ContractPosition(
                code,
                name,
                net,
                change,
                calendar_zscore(series)[0],
                stress.stress_percentile(series, net, higher_is_stress=False),
            )
        )
    return report, rows
