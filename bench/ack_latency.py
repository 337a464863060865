"""Slash-command ack latency of `deskbot serve` under concurrent load.

Starts the Slack stand-in and the bot (HTTP mode) on 127.0.0.1, fires N
signed `/deskbot help` commands from C concurrent clients, and prints the
p50/p99/max time to Slack's HTTP 200 ack, plus how long until every reply
reached its response_url. Run from the project root:

    python bench/ack_latency.py --requests 500 --concurrency 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET, BotProcess  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    with SlackStandIn() as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "DESKBOT_LOG_LEVEL": "WARNING"}
        with BotProcess(env) as bot:
            limits = httpx.Limits(max_connections=args.concurrency)
            with httpx.Client(limits=limits, timeout=10) as client:

                def fire(index: int) -> tuple[float, int]:
                    started = time.perf_counter()
                    response = send_slash_command(
                        bot.events_url, SIGNING_SECRET, "help", slack.response_url(f"bench-{index}"), client=client
                    )
                    return time.perf_counter() - started, response.status_code

                send_slash_command(bot.events_url, SIGNING_SECRET, "help", slack.response_url("warm-up"), client=client)
                slack.wait_for(RESPONSE_URL, 1)
                started = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    results = list(pool.map(fire, range(args.requests)))
                slack.wait_for(RESPONSE_URL, args.requests + 1, timeout=120)
                all_replied = time.perf_counter() - started

    latencies = [latency * 1000 for latency, _status in results]
    failures = sum(1 for _latency, status in results if status != 200)
    print(f"requests={args.requests} concurrency={args.concurrency} non_200={failures}")
    print(
        f"ack latency ms: p50={statistics.median(latencies):.1f} p99={percentile(latencies, 0.99):.1f} "
        f"max={max(latencies):.1f}"
    )
    print(f"all {args.requests} replies at response_url after {all_replied:.2f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
