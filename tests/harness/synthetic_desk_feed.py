"""Write the SYNTHETIC desk feed in `tests/fixtures/desk_feed/` (made-up numbers, not market data).

    python -m tests.harness.synthetic_desk_feed

The two CSVs have the layout of a desk terminal's exports (the column names
`market/sources/desk_feed.py` reads: `spread_10y_bp`, `spread_30y_bp`,
`TY1_FUT_IMPLIED_REPO_RT`, `TY1_PX_Last`, …, plus columns it ignores), one row
per US bond-market trading day from 2 January to 30 April 2025. Every value is
a round number from the rules below; none comes from any market data source.

- Calm days: a flat level plus a 4-day zig-zag (0, +½, +1, +½ of a small wiggle:
  1 bp for spreads, 0.02% for implied repo, 0.50 for prices), so 5-day moves are
  small and both signs occur.
- 2-21 April ("the episode"): swap spreads widen by 10 bp from Wed 2 April to
  Wed 9 April (30y −85.0 → −95.0 bp, 10y −50.0 → −60.0 bp), futures implied repo
  falls 20 bp (TY 4.40% → 4.20%) and TY falls 1% (110.00 → 108.90), then all of
  it retraces by 21 April. So on 2025-04-09 the 5-day moves are the largest of
  the file and the desk-feed components of the stress gauge read red.
- One blank cell (US implied repo on 2025-03-31) shows a missing value stays missing.

`tests/test_funding_parsing.py` checks the committed files equal what this writes.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "desk_feed"
SPREADS = "synthetic_swap_spreads_2025.csv"
FUTURES = "synthetic_futures_implied_repo_2025.csv"

FIRST, LAST = date(2025, 1, 2), date(2025, 4, 30)
HOLIDAYS = frozenset({date(2025, 1, 20), date(2025, 2, 17), date(2025, 4, 18)})  # US bond market closed
ROLL = date(2025, 2, 28)  # the front contract is MAR 25 before, JUN 25 from this day
ZIGZAG = (0.0, 0.5, 1.0, 0.5)

# The episode, in "steps": 0 on Wed 2 April, −10 at the widest on Wed 9 April, back to 0 on 21 April.
EPISODE = {
    date(2025, 4, 2): 0,
    date(2025, 4, 3): -1,
    date(2025, 4, 4): -3,
    date(2025, 4, 7): -5,
    date(2025, 4, 8): -8,
    date(2025, 4, 9): -10,
    date(2025, 4, 10): -8,
    date(2025, 4, 11): -6,
    date(2025, 4, 14): -5,
    date(2025, 4, 15): -4,
    date(2025, 4, 16): -3,
    date(2025, 4, 17): -2,
    date(2025, 4, 21): 0,
}

# Calm level, calm wiggle and the size of one episode step: spreads in bp, implied repo in %, prices in points.
SPREAD_LEVELS = {"10y": (-50.0, 1.0, 1.0), "30y": (-85.0, 1.0, 1.0)}
TREASURY_YIELDS = {"10y": 4.50, "30y": 4.80}  # constant: swap rate = yield + spread
CONTRACTS = {  # code: (implied repo %, price, price step, volume)
    "TY": (4.40, 110.00, 0.11, 1_000_000),
    "FV": (4.35, 106.00, 0.06, 800_000),
    "TU": (4.30, 102.50, 0.02, 500_000),
    "US": (4.20, 114.00, 0.25, 300_000),
    "WN": (4.10, 118.00, 0.40, 200_000),
}
REPO_WIGGLE, REPO_STEP = 0.02, 0.02
PRICE_WIGGLE = 0.50
BLANK = ("US1_FUT_IMPLIED_REPO_RT", date(2025, 3, 31))


def trading_days() -> list[date]:
    days, day = [], FIRST
    while day <= LAST:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def level(base: float, wiggle: float, step: float, index: int, day: date) -> float:
    """The calm level with its zig-zag, or the episode's level on its days."""
    if day in EPISODE:
        return base + EPISODE[day] * step
    return base + ZIGZAG[index % 4] * wiggle


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def spreads_csv() -> str:
    header = ["date", "swap_source"]
    for tenor in SPREAD_LEVELS:
        header += [f"swap_{tenor}", f"ust_{tenor}_cmt", f"spread_{tenor}_bp"]
    rows = []
    for index, day in enumerate(trading_days()):
        row = [day.isoformat(), "synthetic"]
        for tenor, (base, wiggle, step) in SPREAD_LEVELS.items():
            spread = level(base, wiggle, step, index, day)
            treasury = TREASURY_YIELDS[tenor]
            row += [f"{treasury + spread / 100:.3f}", f"{treasury:.2f}", f"{spread:.1f}"]
        rows.append(row)
    return _csv(header, rows)


def futures_csv() -> str:
    header = ["date"]
    for code in CONTRACTS:
        header += [f"{code}1_FUT_IMPLIED_REPO_RT", f"{code}1_PX_VOLUME", f"{code}1_CURRENT_CONTRACT_MONTH_YR"]
        header += [f"{code}1_PX_Last"]
    rows = []
    for index, day in enumerate(trading_days()):
        row = [day.isoformat()]
        for code, (repo, price, price_step, volume) in CONTRACTS.items():
            repo_text = f"{level(repo, REPO_WIGGLE, REPO_STEP, index, day):.2f}"
            if (f"{code}1_FUT_IMPLIED_REPO_RT", day) == BLANK:
                repo_text = ""
            month = "MAR 25" if day < ROLL else "JUN 25"
            row += [repo_text, str(volume), month, f"{level(price, PRICE_WIGGLE, price_step, index, day):.2f}"]
        rows.append(row)
    return _csv(header, rows)


def files() -> dict[str, str]:
    return {SPREADS: spreads_csv(), FUTURES: futures_csv()}


def write(target: Path = OUT) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files().items():
        (target / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
