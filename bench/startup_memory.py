"""Start-up time of `deskbot serve` and its resident memory after 1,000 commands.

Start-up: from launching the process to `GET /healthz` answering 200 (polled
every 10 ms), HTTP mode on SQLite against the Slack stand-in and the recorded
upstream, median of `--starts`. Baselines in the same run:
`python -c "import slack_bolt, pandas, matplotlib"` (to exit) and a bare Bolt
app served the same way (`bench/naive_bolt_app.py --bare`, to /healthz).

Memory: VmRSS of the `deskbot serve` process just after start, then after
`--commands` signed commands (a mix of text answers and charts, 4 in flight),
once every answer and chart has reached the stand-in. Run from the project root:

    python bench/startup_memory.py --starts 5 --commands 1000

Targets: start-up ≤ 3 s; resident memory after 1,000 commands ≤ 250 MB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    AS_OF,
    ServedProcess,
    deskbot_argv,
    median,
    naive_argv,
    pid_of,
    result,
    rss_mb,
)
from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET, clean_environment  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

# (slash command, text, carries a chart): the desk's everyday mix, answered from shipped data.
MIX = (
    ("/deskbot", "help", False),
    ("/yields", AS_OF, False),
    ("/yields", f"30y {AS_OF}", True),
    ("/auction", f"2y {AS_OF}", False),
    ("/curve", AS_OF, True),
    ("/auction", f"10y {AS_OF}", False),
    ("/auction", f"30y {AS_OF}", False),
    ("/auction", f"10y history {AS_OF}", True),
    ("/basis", AS_OF, False),
    ("/funding", AS_OF, True),
)


def start_seconds(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from launch to /healthz answering 200."""
    process = ServedProcess(argv, env, wait_for_http=False)
    started = time.perf_counter()
    with process:
        while True:
            try:
                if httpx.get(f"{process.base_url}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if process._process is not None and process._process.poll() is not None:
                raise RuntimeError(process.log())
            if time.perf_counter() - started > 30:
                raise RuntimeError("no health check after 30 s:\n" + process.log())
            time.sleep(0.01)


def import_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import slack_bolt, pandas, matplotlib"], check=True, env=clean_environment())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "DESKBOT_LOG_LEVEL": "WARNING"}
        env.update(upstream.env())
        deskbot, bare, imports = [], [], []
        for _ in range(args.starts):  # interleaved, so background load hits all three alike
            deskbot.append(start_seconds(deskbot_argv(), env))
            bare.append(start_seconds([*naive_argv(), "--bare"], env))
            imports.append(import_seconds())
        d, b, i = median(deskbot), median(bare), median(imports)
        print(f"start-up to /healthz, median of {args.starts}: deskbot serve {d:.2f}s (max {max(deskbot):.2f}s)")
        print(f"  bare Bolt app served by waitress {b:.2f}s; import slack_bolt, pandas, matplotlib {i:.2f}s")
        target = f"≤ 3 s {'✓' if d <= 3 else '✗'}"
        result("start-up of `deskbot serve`", f"{d:.2f} s", f"{b:.2f} s (bare Bolt app)", d, b, target)
        result("start-up of `deskbot serve`", f"{d:.2f} s", f"{i:.2f} s (import bolt, pandas, mpl)", d, i, target)

        with ServedProcess(deskbot_argv(), env) as bot:
            pid = pid_of(bot)
            time.sleep(1.0)  # the start-up refresh has run
            at_start = rss_mb(pid)
            answers_before = len(slack.calls_to(RESPONSE_URL))
            uploads_before = len(slack.calls_to("files.completeUploadExternal"))
            charts = sum(1 for index in range(args.commands) if MIX[index % len(MIX)][2])
            limits = httpx.Limits(max_connections=args.concurrency)
            started = time.perf_counter()
            with httpx.Client(limits=limits, timeout=30) as client:

                def fire(index: int) -> int:
                    command, text, _chart = MIX[index % len(MIX)]
                    url = slack.response_url(f"mem-{index}")
                    return send_slash_command(
                        bot.events_url, SIGNING_SECRET, text, url, command=command, client=client
                    ).status_code

                samples: list[tuple[int, float]] = []  # (commands answered, RSS MB), every 0.5 s
                done = threading.Event()

                def sample() -> None:
                    while not done.wait(0.5):
                        samples.append((len(slack.calls_to(RESPONSE_URL)) - answers_before, rss_mb(pid)))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                with ThreadPoolExecutor(args.concurrency) as pool:
                    statuses = list(pool.map(fire, range(args.commands)))
            slack.wait_for(RESPONSE_URL, answers_before + args.commands, timeout=900)
            slack.wait_for("files.completeUploadExternal", uploads_before + charts, timeout=900)
            took = time.perf_counter() - started
            done.set()
            sampler.join()
            steps = []
            for quarter in (1, 2, 3):
                wanted = quarter * args.commands // 4
                steps += [f"{rss:.0f} MB at {count}" for count, rss in samples if count >= wanted][:1]
            print(f"resident memory along the way: {', '.join(steps)} commands answered", flush=True)
            time.sleep(0.5)
            after = rss_mb(pid)
            peak = next(
                int(line.split()[1]) / 1024
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmHWM:")
            )
        failed = sum(1 for status in statuses if status != 200)
        print(
            f"resident memory: {at_start:.0f} MB after start, {after:.0f} MB after {args.commands} commands "
            f"({charts} with charts, {took:.0f} s, {failed} non-200), peak {peak:.0f} MB"
        )
        target = f"≤ 250 MB {'✓' if after <= 250 else '✗'}"
        result(
            f"resident memory after {args.commands:,} commands",
            f"{after:.0f} MB (peak {peak:.0f})",
            f"{at_start:.0f} MB (just after start)",
            after,
            at_start,
            target,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
