"""Result-flash latency: from results appearing on the feed to the reply being ready.

Serves TreasuryDirect's `securities/search` from the recorded-upstream server
on 127.0.0.1, first with the 30-year's result fields empty, and switches to
the real result at a random moment. The watcher runs with the real clock
(shifted so the close has just passed) and real sleeps at the given poll
interval. Prints p50/p90/max of the time from the switch to the `Reply`
(fetch, store, compare with history, format, chart spec), and to the PNG
being rendered. Run from the project root:

    python bench/flash_latency.py --runs 10 --interval 1.0
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from charts.render import render_png  # noqa: E402
from commands.auctions import format_flash  # noqa: E402
from market.auctions.flash import close_of  # noqa: E402
from market.sources.treasurydirect import parse_treasurydirect  # noqa: E402
from tests.auction_support import live_book, sqlite_store, td_excerpt, without_results  # noqa: E402
from tests.harness.upstream import RecordedUpstream, Scripted  # noqa: E402

SEARCH = "/securities/search"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def one_run(interval: float, delay: float) -> tuple[float, float, int]:
    empty = json.dumps(without_results(td_excerpt())).encode()
    full = json.dumps(td_excerpt()).encode()
    auction = parse_treasurydirect(without_results(td_excerpt()))[2]
    with RecordedUpstream() as upstream, tempfile.TemporaryDirectory() as tmp:
        upstream.script("treasurydirect", SEARCH, Scripted(empty))
        book = live_book(sqlite_store(Path(tmp)), upstream)
        book.records()  # the shipped history is loaded once per process, before any auction
        # The desk clock reads the close + 0.1 s when the watch starts, and runs at real speed.
        offset = datetime.now(UTC) - (close_of(auction) + timedelta(seconds=0.1))
        switched: list[float] = []

        def publish() -> None:
            time.sleep(delay)
            upstream.script("treasurydirect", SEARCH, Scripted(full))
            switched.append(time.perf_counter())

        publisher = threading.Thread(target=publish)
        publisher.start()
        outcome = book.watch(
            auction,
            clock=lambda: datetime.now(UTC) - offset,
            sleep=time.sleep,
            interval_seconds=interval,
            timeout=timedelta(minutes=2),
        )
        reply = format_flash(book, outcome)
        ready = time.perf_counter()
        render_png(reply.charts[0])
        rendered = time.perf_counter()
        publisher.join()
        assert reply.text.startswith(":red_circle: Result: 30-year auction 2023-11-09"), reply.text
        return ready - switched[0], rendered - switched[0], len(upstream.requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0, help="poll interval, seconds")
    args = parser.parse_args()
    random.seed(7)
    to_reply: list[float] = []
    to_png: list[float] = []
    for run in range(args.runs):
        delay = random.uniform(1.0, 3.0)
        reply_s, png_s, polls = one_run(args.interval, delay)
        to_reply.append(reply_s)
        to_png.append(png_s)
        print(f"run {run + 1}: results after {delay:.2f}s, reply {reply_s:.3f}s, +png {png_s:.3f}s, {polls} polls")
    for name, samples in (("results → reply ready", to_reply), ("results → reply + PNG", to_png)):
        print(
            f"{name}: p50 {statistics.median(samples):.3f}s  p90 {percentile(samples, 0.9):.3f}s  "
            f"max {max(samples):.3f}s  (poll interval {args.interval:g}s, {args.runs} runs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
