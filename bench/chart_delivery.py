"""Slash command to chart delivered, cold and warm, against the floor of drawing and uploading that chart.

Runs the real `deskbot serve` (HTTP mode) against the Slack stand-in and the
recorded upstream, and sends signed commands as Slack does. Chart delivered =
from sending the command to the stand-in receiving `files.completeUploadExternal`
for it. Cold = the first command after a fresh start (one start per command);
warm = the median of the next `--warm` runs. `/basis` (the gauge) carries no
chart, so its figure is to the answer at the response_url; `/basis positioning`
is the basis command with a chart.

The floor, in this process on the same data: the chart spec deskbot builds for
that command, drawn as a bare matplotlib plot and uploaded with one
`files_upload_v2` (for `/basis`: the same message posted to a response_url).
Run from the project root:

    python bench/chart_delivery.py --warm 7
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient  # noqa: E402
from slack_sdk.webhook import WebhookClient  # noqa: E402

from bench.common import (  # noqa: E402
    AS_OF,
    ServedProcess,
    bare_png,
    command_context,
    deskbot_argv,
    in_process_registry,
    median,
    result,
    timed_ms,
)
from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn  # noqa: E402
from bot.slack_message import message_payload
from commands.dispatch import answer  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

COMPLETE = "files.completeUploadExternal"
# (slash command, text, whether the answer carries a chart)
COMMANDS = (
    ("/yields", f"30y {AS_OF}", True),
    ("/auction", f"10y history {AS_OF}", True),
    ("/basis", f"positioning {AS_OF}", True),
    ("/basis", AS_OF, False),
)


def deliver_once(bot: ServedProcess, slack: SlackStandIn, command: str, text: str, chart: bool, key: str) -> float:
    """Seconds from sending the signed command to its chart (or, without one, its answer) at the stand-in."""
    uploads_before = len(slack.calls_to(COMPLETE))
    started = time.monotonic()
    response = send_slash_command(bot.events_url, SIGNING_SECRET, text, slack.response_url(key), command=command)
    assert response.status_code == 200, response.status_code
    if chart:
        call = slack.wait_for(COMPLETE, uploads_before + 1, timeout=60)[uploads_before]
    else:
        call = slack.wait_for(RESPONSE_URL, key=key, timeout=60)[0]
    return call.at - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=7, help="warm runs per command")
    args = parser.parse_args()

    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_LOG_LEVEL": "WARNING",
            "DESKBOT_SCHEDULER": "false",
            **upstream.env(),
        }
        registry = in_process_registry(upstream.env())
        ctx = command_context()
        client = WebClient(token=slack.token, base_url=slack.api_url)
        for index, (command, text, has_chart) in enumerate(COMMANDS):
            label = f"{command} {text.replace(AS_OF, '').strip()}".strip()
            with ServedProcess(deskbot_argv(), env) as bot:
                cold = deliver_once(bot, slack, command, text, has_chart, f"cold-{index}") * 1000
                warm_runs = [
                    deliver_once(bot, slack, command, text, has_chart, f"warm-{index}-{run}") * 1000
                    for run in range(args.warm)
                ]
            warm = median(warm_runs)

            reply = answer(f"{command} {text}", ctx, registry)
            if has_chart:
                assert reply.charts, label
                spec = reply.charts[0]

                def floor(spec=spec) -> None:  # type: ignore[no-untyped-def]
                    png = bare_png(spec)
                    client.files_upload_v2(channel="C0DESK", content=png, filename=spec.filename, title=spec.title)

                what, floor_name = "chart delivered", "bare plot + 1 upload"
            else:
                payload = message_payload(reply)

                def floor(payload=payload) -> None:  # type: ignore[no-untyped-def]
                    WebhookClient(slack.response_url("floor")).send_dict(payload)

                what, floor_name = "answer delivered", "post same message"
            floor()  # matplotlib imported, connection pools warm
            floor_ms = median(timed_ms(floor, max(3, args.warm)))
            print(
                f"{label:28s} {what}: cold {cold:6.0f} ms  warm p50 {warm:6.0f} ms (max {max(warm_runs):.0f})  "
                f"floor ({floor_name}) p50 {floor_ms:6.0f} ms",
                flush=True,
            )
            result(f"`{label}` {what}, cold", f"{cold:.0f} ms", f"{floor_ms:.0f} ms ({floor_name})", cold, floor_ms)
            result(f"`{label}` {what}, warm", f"{warm:.0f} ms", f"{floor_ms:.0f} ms ({floor_name})", warm, floor_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
