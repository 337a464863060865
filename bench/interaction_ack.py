"""Ack latency of button presses and form submissions, beside slash commands, on one `deskbot serve`.

Starts the Slack stand-in and the bot (HTTP mode) on 127.0.0.1 and, for each kind, fires N
signed requests from C concurrent clients, printing p50/p99/max time to the HTTP answer:

- `command`: `/deskbot help` (the slash-command figure the README's Performance table uses);
- `button`: a "Curve" press under a `/deskbot yields` answer (`block_actions`; acked at once,
  answered through its response_url);
- `form`: a subscription form saved with no feed ticked (`view_submission`; the answer *is*
  the ack, carrying the field errors, after the user's rights are checked with Slack).

Run from the project root:

    python bench/interaction_ack.py --requests 200 --concurrency 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET, BotProcess  # noqa: E402
from tests.harness.signing import send_slash_command, signed_headers  # noqa: E402
from tests.test_answer_buttons import block_actions  # noqa: E402
from tests.test_subscription_modal import submitted  # noqa: E402

ADMIN = "U0ADMIN"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def post_interaction(client: httpx.Client, url: str, payload: dict[str, Any]) -> httpx.Response:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return client.post(url, content=body, headers=signed_headers(SIGNING_SECRET, body))


def curve_button(client: httpx.Client, bot: BotProcess, slack: SlackStandIn) -> dict[str, Any]:
    send_slash_command(bot.events_url, SIGNING_SECRET, "yields", slack.response_url("seed-yields"), client=client)
    answer = slack.wait_for(RESPONSE_URL, key="seed-yields", timeout=60)[0].params
    buttons = [element for block in answer["blocks"] if block["type"] == "actions" for element in block["elements"]]
    return next(element for element in buttons if element["text"]["text"] == "Curve")


def empty_form(client: httpx.Client, bot: BotProcess, slack: SlackStandIn) -> dict[str, Any]:
    send_slash_command(
        bot.events_url,
        SIGNING_SECRET,
        "subscribe",
        slack.response_url("seed-form"),
        client=client,
        user_id=ADMIN,
        channel_id="C0AUCTIONS",
        trigger_id=slack.issue_trigger_id(),
    )
    opened = slack.wait_for("views.open", timeout=60)[-1].params
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    return submitted(view, "C0AUCTIONS", feeds=[])


def measure(requests: int, concurrency: int, fire: Callable[[int], httpx.Response]) -> tuple[list[float], int]:
    def timed(index: int) -> tuple[float, int]:
        started = time.perf_counter()
        status = fire(index).status_code
        return (time.perf_counter() - started) * 1000, status

    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(timed, range(requests)))
    return [ms for ms, _status in results], sum(1 for _ms, status in results if status != 200)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()

    rows = []
    with SlackStandIn() as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.api_url, "DESKBOT_LOG_LEVEL": "WARNING"}
        with BotProcess(env) as bot, httpx.Client(limits=httpx.Limits(max_connections=args.concurrency)) as client:
            button = curve_button(client, bot, slack)
            form = empty_form(client, bot, slack)
            kinds: dict[str, Callable[[int], httpx.Response]] = {
                "command": lambda i: send_slash_command(
                    bot.events_url, SIGNING_SECRET, "help", slack.response_url(f"cmd-{i}"), client=client
                ),
                "button": lambda i: post_interaction(
                    client,
                    bot.events_url,
                    block_actions(button, slack.response_url(f"btn-{i}"), "U0TRADER", "C0DESK", True, None),
                ),
                "form": lambda i: post_interaction(
                    client,
                    bot.events_url,
                    {
                        "type": "view_submission",
                        "team": {"id": "T0DESK", "domain": "rates-desk"},
                        "user": {"id": ADMIN, "team_id": "T0DESK"},
                        "api_app_id": "A0DESKBOT",
                        "trigger_id": f"bench.{i}",
                        "view": form,
                    },
                ),
            }
            for name, fire in kinds.items():
                fire(-1)  # warm this path once
                latencies, failures = measure(args.requests, args.concurrency, fire)
                rows.append((name, latencies, failures))
    print(f"requests={args.requests} concurrency={args.concurrency}")
    for name, latencies, failures in rows:
        print(
            f"{name:<8} ack ms: p50={statistics.median(latencies):.1f} p99={percentile(latencies, 0.99):.1f} "
            f"max={max(latencies):.1f} non_200={failures}"
        )
    return 1 if any(failures for _name, _latencies, failures in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
