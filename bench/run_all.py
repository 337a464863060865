"""Run every deskbot-against-baseline benchmark, one after another, and print a table of the figures.

    python bench/run_all.py            # everything, about 12-15 minutes on 2 cores
    python bench/run_all.py --quick    # fewer samples, about 3 minutes (a smoke run)
    python bench/run_all.py --only rarity_bench,render_bench

Each benchmark also runs alone (`python bench/<name>.py --help`). Every figure
is a median (or the percentile named) over the runs of this invocation, and each
baseline is measured in the same run on the same machine. The table at the end
is Markdown, ready for the README's "Performance" section. Not the test suite:
`pytest` does not collect these.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULT_PREFIX = "RESULT |"

# (script, full-run arguments, quick-run arguments)
BENCHMARKS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("ack_vs_naive", ("--levels", "1,10,50", "--per-client", "3"), ("--levels", "1,10,50", "--per-client", "1")),
    # The same at 50 with the cheapest command: the ack path with little work competing for the GIL.
    ("ack_vs_naive", ("--levels", "50", "--per-client", "3", "--text", "help"), ("--levels", "50", "--text", "help")),
    ("chart_delivery", ("--warm", "7"), ("--warm", "3")),
    ("flash_post", ("--runs", "10"), ("--runs", "3")),
    ("rarity_bench", ("--repeat", "3"), ("--repeat", "1")),
    ("render_bench", ("--repeat", "15"), ("--repeat", "5")),
    ("startup_memory", ("--starts", "5", "--commands", "1000"), ("--starts", "2", "--commands", "200")),
    (
        "steady_load",
        ("--rate", "20", "--seconds", "300"),
        ("--rate", "20", "--seconds", "30", "--baseline-seconds", "10"),
    ),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: a smoke run, not figures to publish")
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    args = parser.parse_args()
    chosen = {name.strip() for name in args.only.split(",") if name.strip()}

    load_before = os.getloadavg()[0]
    rows: list[str] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name, full, quick in BENCHMARKS:
        if chosen and name not in chosen:
            continue
        print(f"\n=== {name} ===", flush=True)
        command = [sys.executable, str(BENCH / f"{name}.py"), *(quick if args.quick else full)]
        process = subprocess.Popen(command, cwd=BENCH.parent, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(RESULT_PREFIX):
                rows.append("| " + line.removeprefix(RESULT_PREFIX).strip() + " |")
            else:
                print(line, end="", flush=True)
        if process.wait() != 0:
            failed.append(name)

    cpus = os.cpu_count()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n=== summary ({time.perf_counter() - started:.0f} s) ===\n")
    print(
        f"Machine: {cpus} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"{when}; `python bench/run_all.py{' --quick' if args.quick else ''}`. Medians unless stated. "
        f"1-minute load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.\n"
    )
    print("| Figure | deskbot | Baseline (same run) | Ratio | Target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
