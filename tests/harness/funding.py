"""Helpers for the funding tests: a book over a real SQLite store, a cut-down shipped
history (so recorded payloads are "newer than shipped"), the synthetic desk feed, and a
yields-history provider over the shipped curve history (and one from the raw shared files,
for the test that cross-checks the two).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from market.funding.book import SHIPPED, FundingBook
from market.yields.history import YieldHistory
from tests.harness import synthetic_desk_feed
from tests.harness.shared_data import shared_file

# The desk feed the tests read: SYNTHETIC numbers in the terminal exports' layout (tests/fixtures/desk_feed/README.md).
DESK_FEED_FILES = (
    synthetic_desk_feed.OUT / synthetic_desk_feed.SPREADS,
    synthetic_desk_feed.OUT / synthetic_desk_feed.FUTURES,
)
# A desk's real exports (licensed data: never copied into the repository), under ../shared/data; see shared_file().
REAL_DESK_FEED = (
    "funding/swaps/desk_feed_example_swap_spreads_2025H1.csv",
    "funding/swaps/desk_feed_example_futures_implied_repo_2025H1.csv",
)


def sqlite_store(tmp_path: Path) -> SqlRecordStore:
    return SqlRecordStore(create_database(f"sqlite:///{tmp_path / 'funding.sqlite3'}"))


def book(tmp_path: Path, **kwargs: Any) -> FundingBook:
    """A funding book over the real shipped history and an empty SQLite store."""
    return FundingBook(sqlite_store(tmp_path), **kwargs)


def _gz_json(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _write_gz_json(path: Path, payload: Any) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(payload, handle)


def shipped_until(target: Path, cutoff: date, policy_cutoff: date | None = None, since: date | None = None) -> Path:
    """A copy of the shipped history with everything after `cutoff` removed (same layouts).

    Fed policy rates are kept whole unless `policy_cutoff` is given; with `since`,
    every file also starts on that date.
    """
    first, last = (since or date.min).isoformat(), cutoff.isoformat()
    target.mkdir(parents=True, exist_ok=True)
    rates = _gz_json(SHIPPED / "nyfed_reference_rates.json.gz")
    rates["refRates"] = [r for r in rates["refRates"] if first <= r["effectiveDate"] <= last]
    _write_gz_json(target / "nyfed_reference_rates.json.gz", rates)
    operations = _gz_json(SHIPPED / "nyfed_repo_operations.json.gz")
    kept = [op for op in operations["repo"]["operations"] if first <= op["operationDate"] <= last]
    _write_gz_json(target / "nyfed_repo_operations.json.gz", {"repo": {"operations": kept}})
    positions = _gz_json(SHIPPED / "cftc_tff_treasury_futures.json.gz")
    _write_gz_json(
        target / "cftc_tff_treasury_futures.json.gz",
        [row for row in positions if first <= row["report_date_as_yyyy_mm_dd"][:10] <= last],
    )
    if policy_cutoff is None and since is None:
        shutil.copy(SHIPPED / "fred_policy_rates.csv", target / "fred_policy_rates.csv")
    else:
        policy_last = (policy_cutoff or date.max).isoformat()
        lines = (SHIPPED / "fred_policy_rates.csv").read_text().splitlines(keepends=True)
        kept_lines = [lines[0], *(line for line in lines[1:] if first <= line[:10] <= policy_last)]
        (target / "fred_policy_rates.csv").write_text("".join(kept_lines))
    return target


def shipped_fred_payload(series: str, start: date, end: date) -> bytes:
    """Real shipped FRED values for `series` in the API's `series/observations` JSON shape (value a string)."""
    lines = (SHIPPED / "fred_policy_rates.csv").read_text().splitlines()
    column = lines[0].split(",").index(series)
    observations = [
        {"realtime_start": "2024-06-26", "realtime_end": "2024-06-26", "date": row[0], "value": row[column] or "."}
        for row in (line.split(",") for line in lines[1:])
        if start.isoformat() <= row[0] <= end.isoformat()
    ]
    payload = {"units": "lin", "count": len(observations), "observations": observations}
    return json.dumps(payload).encode()


def shipped_operations_payload(start: date, end: date) -> bytes:
    """Real shipped repo operations between two dates, in the NY Fed API's `rp/results/search.json` shape.

    No real recorded payload of that endpoint exists; the shape is the documented one
    (upstream-apis.md §4) and the values are the NY Fed's own results.
    """
    operations = _gz_json(SHIPPED / "nyfed_repo_operations.json.gz")["repo"]["operations"]
    chosen = [op for op in operations if start.isoformat() <= op["operationDate"] <= end.isoformat()]
    # The API prints amounts both as numbers and as strings; send strings here.
    for op in chosen:
        for key in ("totalAmtSubmitted", "totalAmtAccepted"):
            if key in op:
                op[key] = str(op[key])
    return json.dumps({"repo": {"operations": chosen}}).encode()


def shipped_closes(tmp: Path) -> Callable[[str], pd.Series]:
    """`closes(tenor)` as the wired bot offers it: the shipped curve history (over an empty store in `tmp`)."""
    return YieldHistory(sqlite_store(tmp)).closes


def closes_from_shared() -> Callable[[str], pd.Series]:
    """`closes(tenor)` from the raw files: FRED DGS10/DGS30, then the Treasury par curve from 2021.

    Skips the calling test when ../shared/data is absent (see `tests/harness/shared_data.py`).
    """
    par_csv = shared_file("yields/par_yield_curve_2021_2025.csv")
    fred_csv = {tenor: shared_file(f"fred/DGS{tenor[:-1]}.csv") for tenor in ("10y", "30y")}
    par = pd.read_csv(par_csv, parse_dates=["Date"], index_col="Date")
    fred = {
        tenor: pd.read_csv(path, na_values=".", parse_dates=[0], index_col=0).iloc[:, 0]
        for tenor, path in fred_csv.items()
    }
    columns = {"10y": "10 Yr", "30y": "30 Yr"}

    def closes(tenor: str) -> pd.Series:
        before = fred[tenor].dropna()
        before = before[before.index < par.index.min()]
        return pd.concat([before, par[columns[tenor]].dropna()]).sort_index().astype(float)

    return closes
