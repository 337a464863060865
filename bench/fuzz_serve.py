"""Generated command texts through `deskbot serve`: every one acked, answered once, clean and logged.

Starts the Slack stand-in, the recorded upstreams and the bot (HTTP mode, SQLite,
`--as-of 2025-04-11T18:00` so answers come from the shipped data), sends `--count`
texts from `tests/harness/fuzz_texts.generate_texts` (unicode, huge texts, quotes,
odd flags, dates, numbers and tenors, Slack markup) as signed slash commands from
`--concurrency` clients, each command with its own response_url, and checks:

- every request got HTTP 200 within 3 s;
- every response_url received exactly one message (waits for all, then a little more for doubles);
- no reply holds a traceback, an internal exception's name or a NaN/inf shown as a number;
- the command log holds exactly one record per command, with its text.

Exits 1 on any violation, printing the first offending texts. Run from the project root:

    python bench/fuzz_serve.py --count 10000 --concurrency 8 --seed 1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile, result  # noqa: E402
from bot.demo.slack_workspace import SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET, BotProcess  # noqa: E402
from tests.harness.fuzz_checks import as_logged, internals_shown, logged_texts, replies_by_key, wait_for_replies  # noqa: E402
from tests.harness.fuzz_texts import generate_texts  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

ACK_DEADLINE_SECONDS = 3.0
DOUBLES_WINDOW_SECONDS = 3.0
SHOWN_EXAMPLES = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    texts = generate_texts(args.count, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="deskbot-fuzz-"))

    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "DESKBOT_LOG_LEVEL": "WARNING"}
        with BotProcess({**env, **upstream.env()}, workdir=workdir, args=("--as-of", "2025-04-11T18:00")) as bot:
            started = time.perf_counter()
            acks = send_all(bot, slack, texts, args.concurrency)
            sent_in = time.perf_counter() - started
            print(f"sent {len(texts)} in {sent_in:.1f} s; waiting for the replies", flush=True)
            wait_for_replies(slack, len(texts), timeout=max(120.0, len(texts) * 0.05))
            answered_in = time.perf_counter() - started
            time.sleep(DOUBLES_WINDOW_SECONDS)
            replies = replies_by_key(slack)
            time.sleep(1.0)  # the last replies' records are written just after the reply
            logged = Counter(logged_texts(workdir / "data"))
        log_text = bot.log()

    print(f"bot log and database in {workdir}")
    return report(texts, acks, replies, logged, log_text, sent_in, answered_in, args.concurrency)


def send_all(bot: BotProcess, slack: SlackStandIn, texts: list[str], concurrency: int) -> list[tuple[int, float]]:
    """(HTTP status, seconds to the ack) of each text, sent by `concurrency` clients."""
    limits = httpx.Limits(max_connections=concurrency)
    with httpx.Client(limits=limits, timeout=10) as client:

        def fire(index: int) -> tuple[int, float]:
            begun = time.perf_counter()
            try:
                response = send_slash_command(
                    bot.events_url, SIGNING_SECRET, texts[index], slack.response_url(f"fuzz-{index}"), client=client
                )
            except httpx.HTTPError:
                return 0, time.perf_counter() - begun
            return response.status_code, time.perf_counter() - begun

        with ThreadPoolExecutor(concurrency) as pool:
            return list(pool.map(fire, range(len(texts))))


def report(
    texts: list[str],
    acks: list[tuple[int, float]],
    replies: dict[str, list[dict[str, object]]],
    logged: Counter[str],
    log_text: str,
    sent_in: float,
    answered_in: float,
    concurrency: int,
) -> int:
    """Print the counts and result rows; 1 when any check failed."""
    keys = [f"fuzz-{index}" for index in range(len(texts))]
    late_or_refused = [
        texts[i] for i, (status, took) in enumerate(acks) if status != 200 or took >= ACK_DEADLINE_SECONDS
    ]
    missing = [texts[i] for i, key in enumerate(keys) if key not in replies]
    doubles = [texts[i] for i, key in enumerate(keys) if len(replies.get(key, [])) > 1]
    traces = [
        (texts[i], found)
        for i, key in enumerate(keys)
        for params in replies.get(key, [])
        if (found := internals_shown(str(params.get("text")), params.get("blocks"), texts[i]))
    ]
    expected = Counter(as_logged(typed) for typed in texts)
    log_mismatch = sum(((expected - logged) + (logged - expected)).values())
    failed_refs = log_text.count("command failed (ref ")
    ack_times = sorted(took for _, took in acks)

    print(f"sent            {len(texts)}")
    print(f"acked (200 <3s) {len(texts) - len(late_or_refused)}")
    print(f"ack max         {ack_times[-1] * 1000:.0f} ms (p99 {percentile(ack_times, 0.99) * 1000:.0f} ms)")
    print(f"replies         {sum(len(calls) for calls in replies.values())} to {len(replies)} response_urls")
    print(f"doubles         {len(doubles)}")
    print(f"missing         {len(missing)}")
    print(f"traces found    {len(traces)}")
    print(f"internal errors {failed_refs} (replies with a ref)")
    print(f"log records     {sum(logged.values())} ({log_mismatch} not matching the texts sent)")
    print(f"wall time       {answered_in:.1f} s (sending {sent_in:.1f} s) at concurrency {concurrency}")
    for label, examples in (
        ("not acked in time", late_or_refused),
        ("missing", missing),
        ("doubled", doubles),
        ("trace", traces),
    ):
        for example in examples[:SHOWN_EXAMPLES]:
            print(f"  {label}: {example!r:.300}")
    result(
        f"fuzzed commands answered once, clean ({len(texts)} texts, {concurrency} clients)",
        f"{len(texts) - len(missing) - len(doubles) - len(traces)}/{len(texts)}",
        f"{len(texts)}/{len(texts)}",
        len(texts) - len(missing) - len(doubles) - len(traces),
        len(texts),
        "all",
    )
    result("fuzz run wall time (s)", f"{answered_in:.1f}", "", answered_in, 0, "")
    violations = late_or_refused or missing or doubles or traces or log_mismatch or failed_refs
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
