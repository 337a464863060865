"""Yields benchmarks: ranking every window over the full history, a warm /yields 30y, chart rendering.

    python bench/yields_bench.py

Targets: ranking ≤ 10 ms per tenor and window; a warm `/deskbot yields 30y` with its chart ≤ 400 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.database import create_database  # noqa: E402
from bot.storage.market_store import SqlRecordStore  # noqa: E402
from charts.render import draw_png  # noqa: E402
from commands.context import CommandContext  # noqa: E402
from commands.dispatch import answer, build_registry  # noqa: E402
from commands.services import Services  # noqa: E402
from market.analytics.rarity import day_moves, largest_since_all, week_moves  # noqa: E402
from market.tenors import TENOR_KEYS  # noqa: E402
from market.tz import DESK_TZ  # noqa: E402
from market.yields.history import YieldHistory  # noqa: E402

WINDOWS = (1, 2, 3, 5, 10, "weekly")


def timed(function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    store = SqlRecordStore(create_database(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"))
    history = YieldHistory(store)
    started = time.perf_counter()
    history.frame()
    print(f"cold load of the shipped history (15,984 days): {(time.perf_counter() - started) * 1000:.0f} ms")

    per_pair = []
    windows_ranked = 0
    for tenor in TENOR_KEYS:
        closes = history.closes(tenor)
        for window in WINDOWS:

            def rank_all(closes=closes, window=window) -> int:  # type: ignore[no-untyped-def]
                moves = week_moves(closes) if window == "weekly" else day_moves(closes, int(window))
                largest_since_all(moves)
                return len(moves)

            windows_ranked += rank_all()
            per_pair.append(statistics.median(timed(rank_all, 5)))
    print(
        f"rank every window ({len(TENOR_KEYS)} tenors × {len(WINDOWS)} windows, {windows_ranked:,} windows): "
        f"median {statistics.median(per_pair):.2f} ms, max {max(per_pair):.2f} ms per tenor and window "
        f"(target ≤ 10 ms)"
    )

    registry = build_registry(Services(store=store, yields=history))
    ctx = CommandContext(now=datetime(2025, 4, 11, 18, 30, tzinfo=DESK_TZ))

    def command_with_chart() -> None:
        reply = answer("/deskbot yields 30y", ctx, registry)
        for chart in reply.charts:
            draw_png(chart)

    command_with_chart()  # warm: history parsed, matplotlib imported
    samples = timed(command_with_chart, 20)
    print(
        f"warm /deskbot yields 30y with chart: p50 {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms (target ≤ 400 ms)"
    )
    reply = answer("/deskbot yields 30y", ctx, registry)
    chart = reply.charts[0]
    render = timed(lambda: draw_png(chart), 20)
    command_only = timed(lambda: answer("/deskbot yields 30y", ctx, registry), 20)
    print(
        f"  of which the reply: p50 {statistics.median(command_only):.0f} ms; chart render p50 "
        f"{statistics.median(render):.0f} ms"
    )
    curve = answer("/deskbot curve", ctx, registry).charts[0]
    print(f"curve chart render: p50 {statistics.median(timed(lambda: draw_png(curve), 20)):.0f} ms")


if __name__ == "__main__":
    main()
