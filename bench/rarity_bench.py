"""Rarity ranking over the full history: `largest_since_all` against a straightforward per-window loop.

For every tenor and window length (1, 2, 3, 5, 10 business days and weekly)
over the shipped history from 1962, finds each window's "largest since" window
both ways, checks they agree, and prints the time of each. The baseline is the
plain loop a desk quant would write: for each window, bisect to the last earlier
window that does not overlap, then walk back until a move as large in the same
direction. Run from the project root:

    python bench/rarity_bench.py --repeat 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from bisect import bisect_right
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import median, result  # noqa: E402
from bot.storage.database import create_database  # noqa: E402
from bot.storage.market_store import SqlRecordStore  # noqa: E402
from market.analytics.rarity import Moves, day_moves, largest_since_all, week_moves  # noqa: E402
from market.tenors import TENOR_KEYS  # noqa: E402
from market.yields.history import YieldHistory  # noqa: E402

WINDOWS = (1, 2, 3, 5, 10, "weekly")


def loop_largest_since(moves: Moves) -> list[int]:
    """For each window, the index of the last earlier non-overlapping window at least as large, same direction."""
    ends = moves.ends.tolist()
    starts = moves.starts.tolist()
    bps = moves.bp.tolist()
    found = []
    for start, bp in zip(starts, bps, strict=True):
        index = -1
        if bp != 0:
            index = bisect_right(ends, start) - 1
            if bp > 0:
                while index >= 0 and bps[index] < bp:
                    index -= 1
            else:
                while index >= 0 and bps[index] > bp:
                    index -= 1
        found.append(index)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    history = YieldHistory(SqlRecordStore(create_database(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")))
    all_moves = []
    for tenor in TENOR_KEYS:
        closes = history.closes(tenor)
        for window in WINDOWS:
            all_moves.append(week_moves(closes) if window == "weekly" else day_moves(closes, int(window)))
    windows = sum(len(moves) for moves in all_moves)
    pairs = len(all_moves)

    mismatches = 0
    for moves in all_moves:  # the two agree on every window
        mismatches += int(np.count_nonzero(largest_since_all(moves) != np.array(loop_largest_since(moves))))

    def run(rank) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        for moves in all_moves:
            rank(moves)
        return (time.perf_counter() - started) * 1000

    deskbot = median([run(largest_since_all) for _ in range(args.repeat)])
    loop = median([run(loop_largest_since) for _ in range(args.repeat)])
    print(f"{len(TENOR_KEYS)} tenors × {len(WINDOWS)} window lengths = {pairs} series, {windows:,} windows")
    print(f"largest_since_all: {deskbot:.1f} ms in all ({deskbot / pairs:.2f} ms per tenor and window)")
    print(f"per-window loop:   {loop:.1f} ms in all ({loop / pairs:.2f} ms per tenor and window)")
    print(f"results differ on {mismatches} windows")
    result(
        f"rarity ranking, full history ({windows:,} windows)",
        f"{deskbot:.0f} ms",
        f"{loop:.0f} ms (per-window loop)",
        deskbot,
        loop,
        f"agree on every window {'✓' if mismatches == 0 else '✗'}",
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
