"""Ack latency of `deskbot serve` against a naive Bolt app, at 1, 10 and 50 concurrent signed commands.

Both run as HTTP servers on 127.0.0.1 (waitress, as `deskbot serve` is served)
against the Slack stand-in and the recorded upstream, with the same command
code; the naive app answers the command and only then acks
(`bench/naive_bolt_app.py`). A bare Bolt app that only acks, served the
same way, is the floor of this harness on this machine. Each level keeps C commands in flight until all
are sent, then waits for every answer at its response_url before the next level.
Run from the project root:

    python bench/ack_vs_naive.py --levels 1,10,50 --per-client 3

Target: deskbot p99 ≤ 30 ms at 50 concurrent.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import AS_OF, ServedProcess, deskbot_argv, median, naive_argv, percentile, result  # noqa: E402
from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402


def run_level(
    name: str, events_url: str, slack: SlackStandIn, text: str, concurrency: int, requests: int
) -> tuple[list[float], int, float]:
    """Ack latencies (ms), non-200 count, and seconds until every answer reached its response_url."""
    before = len(slack.calls_to(RESPONSE_URL))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(limits=limits, timeout=30) as client:

        def fire(index: int) -> tuple[float, int]:
            url = slack.response_url(f"{name}-c{concurrency}-{index}")
            started = time.perf_counter()
            response = send_slash_command(events_url, SIGNING_SECRET, text, url, client=client)
            return (time.perf_counter() - started) * 1000, response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(fire, range(requests)))
        if not name.startswith("bare"):  # the bare app only acks: nothing comes to the response_url
            slack.wait_for(RESPONSE_URL, before + requests, timeout=300)
        answered = time.perf_counter() - started
    return [ms for ms, _ in results], sum(1 for _, status in results if status != 200), answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent clients, comma-separated")
    parser.add_argument("--per-client", type=int, default=3, help="commands per client at each level (min 30 total)")
    parser.add_argument("--text", default=f"yields {AS_OF}", help="the /deskbot command text")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    print(f"command: /deskbot {args.text}")
    failures = 0
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_LOG_LEVEL": "WARNING",
            "DESKBOT_SCHEDULER": "false",
            **upstream.env(),
        }
        with (
            ServedProcess(deskbot_argv(), env) as deskbot,
            ServedProcess(naive_argv(), env) as naive,
            ServedProcess([*naive_argv(), "--bare"], env) as bare,
        ):
            apps = {"deskbot": deskbot.events_url, "naive": naive.events_url, "bare": bare.events_url}
            for name, url in apps.items():  # warm both: shipped history parsed, code paths loaded
                run_level(f"{name}-warm", url, slack, args.text, 2, 4)
            for concurrency in levels:
                requests = max(30, concurrency * args.per_client)
                figures = {}
                for name, url in apps.items():
                    latencies, non_200, answered = run_level(name, url, slack, args.text, concurrency, requests)
                    failures += non_200
                    figures[name] = (median(latencies), percentile(latencies, 0.99))
                    print(
                        f"{name:8s} c={concurrency:<3d} n={requests:<4d} ack p50 {figures[name][0]:7.1f} ms  "
                        f"p99 {figures[name][1]:7.1f} ms  max {max(latencies):7.1f} ms  non-200 {non_200}  "
                        + (f"all answered after {answered:.2f}s" if name != "bare" else "(acks only)"),
                        flush=True,
                    )
                (d50, d99), (n50, n99) = figures["deskbot"], figures["naive"]
                target = "p99 ≤ 30 ms" if concurrency == 50 else ""
                if target:
                    target += " ✓" if d99 <= 30 else " ✗"
                what = f"{concurrency} concurrent `{args.text.split(' --')[0]}`"
                result(f"ack p50, {what}", f"{d50:.1f} ms", f"{n50:.1f} ms (naive Bolt)", d50, n50)
                result(f"ack p99, {what}", f"{d99:.1f} ms", f"{n99:.1f} ms (naive Bolt)", d99, n99, target)
                b99 = figures["bare"][1]
                result(f"ack p99, {what}", f"{d99:.1f} ms", f"{b99:.1f} ms (bare Bolt, ack only)", d99, b99, target)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
