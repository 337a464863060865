"""Walk-forward backtest of the dealer-takedown forecast over the shipped 2019-2025 notes and bonds.

Prints a Markdown table (MAE in pp and 80% range coverage, per tenor and overall) for
the model, the prior-six average and the last same-term auction, and, overall only, the
model with dealer positions or CFTC leveraged-fund positioning added. Offline, about
half a minute on one core. Run from the project root:

    python bench/takedown_backtest.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.database import create_database  # noqa: E402
from bot.storage.market_store import SqlRecordStore  # noqa: E402
from market.analytics.takedown import WITH_LEVERAGED, WITH_POSITIONS, TakedownInputs  # noqa: E402
from market.analytics.takedown_backtest import markdown_table, paired_gain, score, walk_forward  # noqa: E402
from market.auctions.history import shipped_records  # noqa: E402
from market.dealers.book import DealerBook  # noqa: E402
from market.funding.book import FundingBook  # noqa: E402
from market.yields.history import YieldHistory  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2019-01-01", type=date.fromisoformat)
    parser.add_argument("--end", default="2025-12-31", type=date.fromisoformat)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = SqlRecordStore(create_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
        yields = YieldHistory(store)
        inputs = TakedownInputs(
            shipped_records(),
            yields.closes,
            positions=DealerBook(store).frame(),
            leveraged=FundingBook(store).leveraged_net(),
        )
        started = time.perf_counter()
        rows = walk_forward(inputs, args.start, args.end)
        took = time.perf_counter() - started
        evaluated = {(row.tenor, row.day) for row in rows}
        variants = {
            label: [
                row for row in walk_forward(inputs, args.start, args.end, spec) if (row.tenor, row.day) in evaluated
            ]
            for label, spec in (
                ("Model + dealer positions", WITH_POSITIONS),
                ("Model + CFTC leveraged funds", WITH_LEVERAGED),
            )
        }
    first, last = min(row.day for row in rows), max(row.day for row in rows)
    print(f"{len(rows)} auctions from {first} to {last}, each forecast at its close from earlier auctions only")
    print(f"(walk-forward of the model: {took:.1f} s)\n")
    print(markdown_table(rows, variants))
    model, prior = score(rows, "model"), score(rows, "prior six")
    gain = 1 - model.mae / prior.mae
    mean, error = paired_gain(rows)
    print(f"\nMiss smaller than the prior six's by {mean:.2f} pp on average (standard error {error:.2f} pp).")
    verdict = "meets" if gain >= 0.10 and 0.75 <= model.coverage <= 0.85 else "does not meet"
    print(
        f"Model MAE {model.mae:.2f} pp vs prior-six {prior.mae:.2f} pp ({gain:.1%} better), coverage "
        f"{model.coverage:.0%}: {verdict} the bar of ≥10% better with coverage in 75-85%."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
