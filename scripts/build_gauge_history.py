"""Build the stress gauge's daily history shipped in `market/data/funding/gauge_history.csv.gz`.

    python scripts/build_gauge_history.py

Each business day from SOFR's first fixing to the last day every shipped input reaches
is the gauge as of that day's close (`market.funding.gauge.gauge`), computed from the
shipped funding, positioning and yields history alone (no desk feed, no network). A
deskbot that starts offline ranks today's gauge against it at once; days past the file
are computed on demand. Takes a few minutes; the output is the same bytes on every run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.database import create_database  # noqa: E402
from bot.storage.market_store import SqlRecordStore  # noqa: E402
from market.calendar import business_days  # noqa: E402
from market.funding.book import SHIPPED, FundingBook  # noqa: E402
from market.funding.gauge_history import GAUGE_HISTORY_START, SHIPPED_FILE, compute_readings, write_readings  # noqa: E402
from market.yields.history import YieldHistory  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = SqlRecordStore(create_database(f"sqlite:///{folder}/build.sqlite3"))
        yields = YieldHistory(store)
        book = FundingBook(store, closes=yields.closes)
        positions = book.leveraged_net()
        reach = min(
            filter(
                None,
                (book.latest("SOFR"), yields.latest_day(), positions.index[-1].date() if not positions.empty else None),
            )
        )
        days = business_days(GAUGE_HISTORY_START, reach)
        frame = compute_readings(book, days)
    (SHIPPED / SHIPPED_FILE).write_bytes(write_readings(frame))
    print(f"{SHIPPED_FILE}: {len(frame)} days, {days[0]} … {days[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
