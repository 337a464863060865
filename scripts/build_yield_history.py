"""Build the shipped par-curve history, `market/data/yields/par_yield_history.csv.gz`.

Reads FRED's DGS* files (1962 → 2021-01-03) and Treasury's merged par curve
(2021-01-04 → 2025-12-31) through the same parsers the live sources use,
blanks the spans where a tenor was not a market yield (see BLANKED), and
writes one file in Treasury's CSV layout with ISO dates, oldest first.

    python scripts/build_yield_history.py ../shared/data
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market.sources.fred import parse_fred_csv  # noqa: E402
from market.sources.treasury_rates import parse_par_yield_csv  # noqa: E402
from market.tenors import BY_FRED_ID, TENORS  # noqa: E402

OUTPUT = ROOT / "market" / "data" / "yields" / "par_yield_history.csv.gz"
PAR_CURVE_STARTS = date(2021, 1, 4)

# Spans where the published number is not a traded yield: Treasury's estimate of a
# 30-year rate while no 30-year bond was issued, and a 20-year value FRED no longer
# publishes because the 20-year did not exist then.
BLANKED: dict[str, tuple[date, date]] = {
    "30y": (date(2002, 2, 19), date(2006, 2, 8)),
    "20y": (date(1987, 1, 1), date(1993, 9, 30)),
}


def build(shared_data: Path) -> dict[date, dict[str, Decimal | None]]:
    days: dict[date, dict[str, Decimal | None]] = {}
    for fred_id, tenor in BY_FRED_ID.items():
        text = (shared_data / "fred" / f"{fred_id}.csv").read_text()
        for observation in parse_fred_csv(text)[fred_id]:
            if observation.day < PAR_CURVE_STARTS:
                days.setdefault(observation.day, {})[tenor] = observation.value
    par = (shared_data / "yields" / "par_yield_curve_2021_2025.csv").read_text()
    for row in parse_par_yield_csv(par):
        days[row.day] = dict(row.yields)
    for tenor, (first, last) in BLANKED.items():
        for day, values in days.items():
            if first <= day <= last:
                values[tenor] = None
    return {day: values for day, values in sorted(days.items()) if any(v is not None for v in values.values())}


def write(days: dict[date, dict[str, Decimal | None]], output: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Date", *(tenor.treasury_csv[0] for tenor in TENORS)])
    for day, values in days.items():
        cells = ["" if values.get(t.key) is None else str(values[t.key]) for t in TENORS]
        writer.writerow([day.isoformat(), *cells])
    output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the file byte-identical between builds.
    with gzip.GzipFile(output, "wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode())


if __name__ == "__main__":
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    history = build(shared)
    write(history, OUTPUT)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(history)} days, {min(history)} → {max(history)}")
