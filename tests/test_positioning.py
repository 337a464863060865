"""Leveraged funds' positioning as a desk reads it: a DV01-weighted total, complete weeks, 3-year z-scores.

Everything is pinned from the shipped CFTC and par-curve files, through the funding book
as the bot wires it (with the yields history), and re-computed here with pandas straight
from the shipped files, so a change to the method shows up as a changed number.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.services import Services
from market.analytics.futures_dv01 import REPRESENTATIVE
from market.funding.book import SHIPPED, FundingBook
from market.funding.positioning import (
    Z_WINDOW_DAYS,
    dv01_by_report,
    positioning_change_component,
    positioning_component,
    positioning_table,
    published_aggregate,
)
from market.tz import DESK_TZ
from market.yields.history import SHIPPED_HISTORY, YieldHistory

ROOT = Path(__file__).resolve().parents[1]
REPORT = date(2025, 4, 8)  # released Friday 2025-04-11, after the 9 April 30y auction week
CODES = {"042601": "TU", "044601": "FV", "043602": "TY", "043607": "TN", "020601": "US", "020604": "WN"}
# Months remaining and face ($) of each contract's representative cheapest-to-deliver (README).
TERMS = {"TU": (23, 200_000), "FV": (52, 100_000), "TY": (80, 100_000), "TN": (115, 100_000)}
TERMS |= {"US": (182, 100_000), "WN": (302, 100_000)}
TENOR_YEARS = {"1 Yr": 1, "2 Yr": 2, "3 Yr": 3, "5 Yr": 5, "7 Yr": 7, "10 Yr": 10, "20 Yr": 20, "30 Yr": 30}
QUARTERLY = {"TY", "TN", "US", "WN"}  # CME rounds the remaining term down to quarters for these


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> FundingBook:
    """The funding book as `bot.wiring` builds it: over the shipped history, with the yields history wired."""
    path = tmp_path_factory.mktemp("positioning") / "deskbot.sqlite3"
    store = SqlRecordStore(create_database(f"sqlite:///{path}"))
    return FundingBook(store, closes=YieldHistory(store).closes)


def ask(book: FundingBook, text: str, now: datetime) -> str:
    registry = build_registry(Services(book.store, funding=book))
    return answer(text, CommandContext(now=now), registry).text


def et(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=DESK_TZ)


# ---- the same numbers, from the shipped files with pandas -------------------------------------


def shipped_net() -> pd.DataFrame:
    """Leveraged long − short by report date and contract code, from the shipped Socrata rows."""
    with gzip.open(SHIPPED / "cftc_tff_treasury_futures.json.gz", "rt") as handle:
        rows = pd.DataFrame(json.load(handle))
    rows = rows[rows["cftc_contract_market_code"].isin(CODES)].assign(
        date=lambda r: pd.to_datetime(r["report_date_as_yyyy_mm_dd"].str[:10]),
        net=lambda r: pd.to_numeric(r["lev_money_positions_long"]) - pd.to_numeric(r["lev_money_positions_short"]),
    )
    return rows.pivot(index="date", columns="cftc_contract_market_code", values="net")[list(CODES)]


def shipped_curve() -> pd.DataFrame:
    return pd.read_csv(SHIPPED_HISTORY, parse_dates=["Date"], index_col="Date")[list(TENOR_YEARS)]


def dirty_price(coupon: float, years: float, yield_pct: float) -> float:
    """Per 100 face: semiannual coupons dated back from maturity, discounted at `yield_pct`."""
    times = years - 0.5 * np.arange(int(np.ceil(years * 2)))
    flows = np.where(times == years, 100 + coupon / 2, coupon / 2)
    return float((flows / (1 + yield_pct / 200) ** (2 * times)).sum())


def cme_factor(root: str, coupon: float, months: int) -> float:
    """CME's conversion factor, written out from the exchange's formula (price of $1 at 6%)."""
    n, z = divmod(months, 12)
    if root in QUARTERLY:
        z = z // 3 * 3
        v = z if z < 7 else 3
    else:
        v = z if z < 7 else z - 6
    a = 1.03 ** (-v / 6)
    b = coupon / 200 * (6 - v) / 6
    c = 1.03 ** (-2 * n) if z < 7 else 1.03 ** (-(2 * n + 1))
    d = coupon / 100 / 0.06 * (1 - c)
    return round(a * (coupon / 200 + c + d) - b, 4)


def futures_dv01(root: str, curve_row: pd.Series) -> float:
    """$ per bp: bump the par bond's yield 1 bp each way, divide by the conversion factor."""
    months, face = TERMS[root]
    years = months / 12
    known = curve_row.dropna()
    coupon = float(np.interp(years, [TENOR_YEARS[t] for t in known.index], known.to_numpy()))
    bp = (dirty_price(coupon, years, coupon - 0.01) - dirty_price(coupon, years, coupon + 0.01)) / 2
    return bp * face / 100 / cme_factor(root, coupon, months)


def weights_on(report: date) -> pd.Series:
    curve = shipped_curve().loc[: pd.Timestamp(report)].iloc[-1]
    dv01 = pd.Series({code: futures_dv01(root, curve) for code, root in CODES.items()})
    return dv01 / dv01["043602"]


# ---- what the desk reads -------------------------------------------------------------------------


def test_the_total_is_the_dv01_weighted_sum_of_the_shipped_positions(book):
    net = shipped_net()
    this, before = net.loc[pd.Timestamp(REPORT)], net.loc[pd.Timestamp(REPORT - timedelta(days=7))]
    weights = weights_on(REPORT)
    expected = float((this * weights).sum())
    week = float(((this - before) * weights).sum())  # both weeks at this week's DV01s

    total = published_aggregate(book, date(2025, 4, 11))
    assert total.report == REPORT and total.absent == ()
    # A bumped-yield DV01 here, an analytic one in the code: equal to a millionth.
    assert total.at(total.weekly) == pytest.approx(expected, rel=1e-6)
    assert total.at(total.changes(1)) == pytest.approx(week, rel=1e-6)
    assert float(this.sum()) == -8_250_377  # the same report in raw contracts
    assert weights.round(2).to_dict() == {
        "042601": 0.59,
        "044601": 0.67,
        "043602": 1.0,
        "043607": 1.38,
        "020601": 1.97,
        "020604": 2.69,
    }

    text = ask(book, "basis positioning 2025-04-11", et(date(2025, 4, 14), 9))
    lines = text.splitlines()
    assert lines[1] == (
        "Leveraged funds are net short 8,042,569 10y-note equivalents (DV01-weighted) across the 6 Treasury "
        "futures (−268,342 on the week)."
    )
    assert "(TU 0.59, FV 0.67, TN 1.38, US 1.97, WN 2.69; TY $65 per bp), from the par curve of 2025-04-08" in text
    # The per-contract table stays in contracts.
    assert "`10y (TY)               −1,873,687       −233,274    −1.3   97.7th`" in lines


def test_the_readme_dv01_table_is_what_the_code_computes(book):
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^  \| (TU|FV|TY|TN|US|WN) \| [^|]+ \| (\d+)y(\d+)m \| \$(\d+) \| ([\d.]+) \|", readme, re.M)
    assert [row[0] for row in rows] == list(CODES.values())
    dv01 = dv01_by_report(book)
    assert dv01 is not None
    on_report = dv01.loc[pd.Timestamp(REPORT)]
    for root, years, months, dollars, weight in rows:
        code = next(code for code, name in CODES.items() if name == root)
        assert REPRESENTATIVE[root].months == int(years) * 12 + int(months) == TERMS[root][0]
        assert round(on_report[code]) == int(dollars), root
        assert on_report[code] / on_report["043602"] == pytest.approx(float(weight), abs=0.005), root
        assert on_report[code] == pytest.approx(futures_dv01(root, shipped_curve().loc["2025-04-08"]), rel=1e-5)


def test_weeks_without_the_ultra_10y_are_left_out_of_the_aggregate_history(book):
    net = shipped_net()
    assert pd.isna(net.loc["2023-03-07", "043607"])  # TN not reported that week
    complete = net.loc[:"2025-04-01"].dropna()
    assert len(complete) == 351 and not complete.index.year.isin([2023]).any()

    total = published_aggregate(book, date(2025, 4, 9))
    assert total.report == date(2025, 4, 1)
    assert list(total.series.index) == list(complete.index)
    component = positioning_component(book, date(2025, 4, 9))
    assert component.history_size == 351 and component.history_from == date(2017, 1, 3)
    assert "ranked among the 351 weeks reporting all 6 contracts" in component.note

    # A report without TN: the total covers the other five and is compared only with weeks that have those five.
    text = ask(book, "basis 2023-03-13", et(date(2023, 3, 14), 12))
    five = net.loc[:"2023-03-07"].drop(columns="043607").dropna()
    assert len(five) == 427
    assert "6 Treasury futures" not in text
    assert (
        "Leveraged funds' net, 10y-note equivalents, without Ultra 10y (TN) −4,544,775 (w/w +66,580) — "
        "81.4th pct since 2015-01-06 (as of 2023-03-07); in 10y-note equivalents (DV01-weighted; see README); "
        "Ultra 10y (TN) not reported that week: the total covers the other 5, not comparable with weeks that have "
        "all 6, so it is ranked among the 427 weeks reporting those 5"
    ) in text
    expected = float((net.loc["2023-03-07"].drop("043607") * weights_on(date(2023, 3, 7)).drop("043607")).sum())
    assert expected == pytest.approx(-4_544_775, abs=5)


def test_a_change_across_a_gap_is_not_a_week_change(book):
    # 2024-01-02 is TN's first report after 2023 (released on Monday 8 January, after New Year's Day):
    # the week before lacks it, and 4 weeks before too.
    total = published_aggregate(book, date(2024, 1, 9))
    assert total.report == date(2024, 1, 2) and total.absent == ()
    assert total.at(total.changes(1)) is None
    assert positioning_component(book, date(2024, 1, 9)).change is None
    four = positioning_change_component(book, date(2024, 1, 9))
    assert four.missing == "no 4-week change between two reports with the same contracts on or before this date"
    report, rows = positioning_table(book, date(2024, 1, 9))
    assert report == date(2024, 1, 2)
    assert next(r for r in rows if r.code == "043607").change is None  # not against 2022-12-27


def test_z_scores_compare_with_the_reports_of_three_calendar_years(book):
    component = positioning_component(book, date(2025, 4, 9))
    total = published_aggregate(book, date(2025, 4, 9))
    window = total.series.loc[pd.Timestamp("2025-04-01") - pd.Timedelta(days=Z_WINDOW_DAYS) :]
    assert (window.index[-1] - window.index[0]).days <= 3 * 365
    assert len(window) == 82  # TN's 2023 and late-2024 gaps fall in these three years
    z = (window.iloc[-1] - window.mean()) / window.std()
    assert f"{z:+.1f}" == "-1.4"
    assert "z-score −1.4 over the 3 years to 2025-04-01 (82 of those weeks)" in component.note

    # Per contract: the Ultra 10y's last 156 reports reach back to 2020; its z-score reads only the last 3 years.
    tn = shipped_net()["043607"].loc[:"2025-04-08"].dropna()
    assert (tn.index[-1] - tn.index[-156]).days > 4 * 365
    recent = tn.loc[pd.Timestamp("2025-04-08") - pd.Timedelta(days=3 * 365) :]
    expected = (recent.iloc[-1] - recent.mean()) / recent.std()
    _, rows = positioning_table(book, date(2025, 4, 11))
    assert next(r for r in rows if r.code == "043607").zscore == pytest.approx(expected)


def test_the_basis_reply_shows_the_total_in_10y_note_equivalents(book):
    text = ask(book, "basis 2025-04-09", et(date(2025, 4, 10), 9))
    assert "6 Treasury futures" not in text
    assert (
        "    :red_circle: Leveraged funds' net, 10y-note equivalents −7,859,342 (w/w −378,220) — 99.3rd pct since "
        "2017-01-03 (as of 2025-04-01); in 10y-note equivalents (DV01-weighted; see README); ranked among the 351 "
        "weeks reporting all 6 contracts; z-score −1.4 over the 3 years to 2025-04-01 (82 of those weeks)"
    ) in text.splitlines()
    assert (
        "Driven by: 10y 3-day move (98.1st pct), 30y 3-day move (97.5th pct), SOFR − IORB (91.8th pct), "
        "Leveraged funds' net, " in text
    )
