"""Chart render per chart kind: `charts.render.draw_png` (no kept PNGs) against a bare matplotlib plot of the same data.

Each kind's spec is the one a real command builds (`/yields 30y`: LineChart,
`/curve`: CategoryChart, `/auction 10y history`: PanelChart, all as of
2025-04-11). The baseline draws the same series at the same size and dpi with
no titles, labels, shading, thresholds or legends (`bench.common.bare_png`).
Run from the project root:

    python bench/render_bench.py --repeat 15
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import AS_OF, bare_png, command_context, in_process_registry, median, result, timed_ms  # noqa: E402
from charts.render import draw_png  # noqa: E402
from commands.dispatch import answer  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

SOURCES = (
    ("LineChart", f"/yields 30y {AS_OF}"),
    ("CategoryChart", f"/curve {AS_OF}"),
    ("PanelChart", f"/auction 10y history {AS_OF}"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with RecordedUpstream() as upstream:
        registry = in_process_registry(upstream.env())
        ctx = command_context()
        for kind, text in SOURCES:
            chart = answer(text, ctx, registry).charts[0]
            assert type(chart).__name__ == kind, (kind, type(chart).__name__)
            draw_png(chart)  # warm: fonts cached, matplotlib imported
            bare_png(chart)
            deskbot = median(timed_ms(lambda chart=chart: draw_png(chart), args.repeat))
            bare = median(timed_ms(lambda chart=chart: bare_png(chart), args.repeat))
            print(f"{kind:14s} ({text}): draw_png p50 {deskbot:6.1f} ms  bare matplotlib p50 {bare:6.1f} ms")
            figure = f"chart render, {kind} (`{text.split(' --')[0]}`)"
            result(figure, f"{deskbot:.0f} ms", f"{bare:.0f} ms", deskbot, bare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
