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
