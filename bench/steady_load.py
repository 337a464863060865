"""A steady mix of slash commands at a rate no desk reaches: ack and reply latency, errors, memory growth.

Open loop: one signed command is sent every 1/`--rate` seconds, whatever the
bot's pace (a closed loop would slow down with the bot and hide a backlog), to
one `deskbot serve` (HTTP mode, SQLite) against the Slack stand-in and the
recorded upstream, all on 127.0.0.1. The mix is the desk's everyday one
(`startup_memory.MIX`: text answers and charts, answered from shipped data).

- ack: from sending the request to its HTTP response;
- reply: from sending to the answer reaching the command's response_url;
- errors: any ack other than 200 within 3 s, an answer missing or doubled, an
  answer that is an internal-error reference, a chart that did not arrive;
- memory: VmRSS of the bot after the warm-up, every 10 s, and at the end.

The baseline is a bare Bolt app that only acks, at the same rate for
`--baseline-seconds`: the floor of the ack path on this machine.

    python bench/steady_load.py                       # 20/s for 5 minutes
    python bench/steady_load.py --rate 20 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ServedProcess, deskbot_argv, naive_argv, percentile, pid_of, result, rss_mb  # noqa: E402
from bench.startup_memory import MIX  # noqa: E402
from bot.demo.slack_workspace import SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET  # noqa: E402
from tests.harness.fuzz_checks import calls_by_key, replies_by_key, wait_for_replies  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

ACK_LIMIT_SECONDS = 3.0  # Slack shows the user an error after this
FAILURE_MARK = "Something went wrong"


@dataclass
class Sent:
    key: str
    sent_at: float  # time.monotonic(), the clock the stand-in stamps calls with
    chart: bool
    ack_seconds: float | None = None
    status: int | None = None


def run_load(events_url: str, slack: SlackStandIn, rate: float, seconds: float, prefix: str) -> list[Sent]:
    """Send `rate` commands a second for `seconds`, on schedule; returns each command with its ack."""
    total = int(rate * seconds)
    interval = 1.0 / rate
    sent: list[Sent] = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    with httpx.Client(limits=limits, timeout=30) as client, ThreadPoolExecutor(128) as pool:

        def fire(item: Sent, command: str, text: str) -> None:
            started = time.monotonic()
            item.sent_at = started
            try:
                response = send_slash_command(
                    events_url, SIGNING_SECRET, text, slack.response_url(item.key), command=command, client=client
                )
                item.status = response.status_code
            except httpx.HTTPError:
                item.status = -1
            item.ack_seconds = time.monotonic() - started

        futures: list[Future[None]] = []
        start = time.monotonic()
        for index in range(total):
            due = start + index * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            command, text, chart = MIX[index % len(MIX)]
            item = Sent(key=f"{prefix}-{index}", sent_at=0.0, chart=chart)
            sent.append(item)
            futures.append(pool.submit(fire, item, command, text))
        for future in futures:
            future.result()
    return sent


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to hold the rate")
    parser.add_argument("--warmup", type=int, default=20, help="commands sent first, not counted")
    parser.add_argument("--baseline-seconds", type=float, default=60.0)
    args = parser.parse_args()

    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "DESKBOT_LOG_LEVEL": "WARNING"}
        env.update(upstream.env())

        with ServedProcess([*naive_argv(), "--bare"], env) as bare:
            floor = run_load(bare.events_url, slack, args.rate, args.baseline_seconds, "bare")
        floor_acks = [item.ack_seconds or 0.0 for item in floor if item.status == 200]

        with ServedProcess(deskbot_argv(), env) as bot:
            pid = pid_of(bot)
            warm = run_load(bot.events_url, slack, 4.0, args.warmup / 4.0, "warm")
            wait_for_replies(slack, len(warm), 120, prefix="warm-")
            uploads_before = len(slack.calls_to("files.completeUploadExternal"))
            rss_start = rss_mb(pid)
            memory: list[float] = [rss_start]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(10.0):
                    memory.append(rss_mb(pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            load_started = time.monotonic()
            sent = run_load(bot.events_url, slack, args.rate, args.seconds, "load")
            held_for = time.monotonic() - load_started
            wait_for_replies(slack, len(sent), 300, prefix="load-")
            charts = sum(1 for item in sent if item.chart)
            try:
                slack.wait_for("files.completeUploadExternal", uploads_before + charts, timeout=300)
            except AssertionError:
                pass
            time.sleep(2.0)  # a doubled answer would arrive by now
            stop.set()
            sampler.join()
            rss_end = rss_mb(pid)
            uploads = len(slack.calls_to("files.completeUploadExternal")) - uploads_before

    arrivals = {key: [call.at for call in calls] for key, calls in calls_by_key(slack, "load-").items()}
    acks = [item.ack_seconds or 0.0 for item in sent if item.status == 200]
    late_or_bad_acks = sum(1 for item in sent if item.status != 200 or (item.ack_seconds or 0.0) > ACK_LIMIT_SECONDS)
    replies = [arrivals[item.key][0] - item.sent_at for item in sent if item.key in arrivals]
    missing = sum(1 for item in sent if item.key not in arrivals)
    doubled = sum(1 for times in arrivals.values() if len(times) > 1)
    answers = [params for replies in replies_by_key(slack, "load-").values() for params in replies]
    failures = sum(1 for params in answers if FAILURE_MARK in json.dumps(params))
    missing_charts = max(0, charts - uploads)
    errors = late_or_bad_acks + missing + doubled + failures + missing_charts

    print(
        f"sent {len(sent)} commands at {args.rate:g}/s over {held_for:.0f} s ({charts} with charts); "
        f"acks: p50 {ms(percentile(acks, 0.5))}, p99 {ms(percentile(acks, 0.99))}, max {ms(max(acks))}; "
        f"replies: p50 {ms(percentile(replies, 0.5))}, p99 {ms(percentile(replies, 0.99))}, max {ms(max(replies))}"
    )
    print(
        f"errors: {late_or_bad_acks} acks not 200 within {ACK_LIMIT_SECONDS:g} s, {missing} answers missing, "
        f"{doubled} doubled, {failures} internal errors, {missing_charts} charts missing"
    )
    print(
        f"memory: {rss_start:.0f} MB after warm-up, {rss_end:.0f} MB at the end "
        f"(+{rss_end - rss_start:.0f} MB; samples every 10 s: {', '.join(f'{m:.0f}' for m in memory)})"
    )
    print(
        f"bare Bolt ack-only app at the same rate for {args.baseline_seconds:g} s: "
        f"p99 {ms(percentile(floor_acks, 0.99))}"
    )

    label = f"{args.rate:g}/s for {args.seconds / 60:g} min"
    floor_p99 = percentile(floor_acks, 0.99)
    result(
        f"steady load {label}: ack p99",
        ms(percentile(acks, 0.99)),
        f"{ms(floor_p99)} (bare Bolt, ack only)",
        percentile(acks, 0.99),
        floor_p99,
    )
    result(
        f"steady load {label}: reply p99",
        ms(percentile(replies, 0.99)),
        f"{ms(floor_p99)} (bare Bolt ack)",
        percentile(replies, 0.99),
        floor_p99,
    )
    result(
        f"steady load {label}: errors", f"{errors} of {len(sent)}", "0", errors, 0, f"none {'✓' if not errors else '✗'}"
    )
    result(
        f"steady load {label}: memory growth",
        f"+{rss_end - rss_start:.0f} MB ({rss_end:.0f} MB)",
        f"{rss_start:.0f} MB after warm-up",
        rss_end,
        rss_start,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
