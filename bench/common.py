"""Shared pieces of the benchmarks: percentiles, result rows, processes served like `deskbot serve`.

Every benchmark prints its figures as it goes and ends with result rows,

    RESULT | figure | deskbot | baseline | ratio | target

which `bench/run_all.py` gathers into one Markdown table.
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.harness.bot_process import BotProcess  # noqa: E402

RESULT_PREFIX = "RESULT |"
# The shipped data answers these without fetching anything.
AS_OF = "--as-of 2025-04-11"


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 50 samples is the 50th, i.e. the max)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def timed_ms(function: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of `repeat` calls, in ms."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×" if baseline > 0 else "n/a"


def result(figure: str, deskbot: str, baseline: str, value: float, base_value: float, target: str = "") -> None:
    """One row of the summary table; the ratio is deskbot ÷ baseline."""
    print(f"{RESULT_PREFIX} {figure} | {deskbot} | {baseline} | {ratio(value, base_value)} | {target}", flush=True)


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class ServedProcess(BotProcess):
    """Like `BotProcess` (same environment, health check and stop), but runs `argv` instead of `deskbot serve`."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], **kwargs: object) -> None:
        super().__init__(env, **kwargs)  # type: ignore[arg-type]
        self._argv = list(argv)

    def __enter__(self) -> ServedProcess:
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self._argv, env=self._env, cwd=self._workdir, stdout=log, stderr=subprocess.STDOUT
        )
        if self._wait_for_http:
            self._wait_until_healthy()
        return self


def pid_of(process: BotProcess) -> int:
    assert process._process is not None
    return process._process.pid


def deskbot_argv() -> list[str]:
    return [sys.executable, "-m", "bot", "serve"]


def naive_argv() -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "naive_bolt_app.py")]


def bare_png(chart: object) -> bytes:
    """The floor for drawing a chart: a bare matplotlib plot of the same data, same size, no styling."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from charts.specs import CategoryChart, LineChart, PanelChart

    if isinstance(chart, LineChart):
        fig, ax = plt.subplots(figsize=(8.0, 4.5), dpi=120)
        for series in chart.series:
            ax.plot([p[0] for p in series.points], [math.nan if p[1] is None else p[1] for p in series.points])
    elif isinstance(chart, CategoryChart):
        fig, ax = plt.subplots(figsize=(8.0, 4.5), dpi=120)
        for category_series in chart.series:
            ax.plot(list(chart.categories), [math.nan if v is None else v for v in category_series.values])
    elif isinstance(chart, PanelChart):
        count = max(len(chart.panels), 1)
        fig, axes = plt.subplots(count, 1, figsize=(8.0, 1.9 + 2.0 * count), dpi=120, sharex=True, squeeze=False)
        for ax, panel in zip(axes[:, 0], chart.panels, strict=False):
            for category_series in panel.series:
                ax.plot(list(chart.categories), [math.nan if v is None else v for v in category_series.values])
    else:
        raise TypeError(type(chart).__name__)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def in_process_registry(upstream_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """deskbot's command registry in this process, on a fresh SQLite file, upstreams at `upstream_env`."""
    import os
    import tempfile

    from bot.config import Settings
    from bot.wiring import wire

    saved = dict(os.environ)
    try:
        os.environ.update(upstream_env)
        os.environ["DESKBOT_DATA_DIR"] = tempfile.mkdtemp(prefix="deskbot-bench-")
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return wire(settings).registry


def command_context():  # type: ignore[no-untyped-def]
    from datetime import datetime

    from commands.context import CommandContext
    from market.tz import DESK_TZ

    short = {"/yields": "yields", "/curve": "curve", "/auction": "auction", "/funding": "funding", "/basis": "basis"}
    return CommandContext(now=datetime.now(DESK_TZ), short_commands=short)
