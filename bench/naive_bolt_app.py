"""The baseline Slack app: a plain Bolt handler that does the work, then acknowledges.

Configured from the same environment as `deskbot serve` (HTTP mode only) and
served the same way (waitress, 8 threads, `/slack/events` and `/healthz`). The
command work is deskbot's own (same registry, delivery and command log); only
the order differs: the 200 goes back after the answer has been delivered.

    python bench/naive_bolt_app.py          # naive: work, then ack
    python bench/naive_bolt_app.py --bare   # a bare Bolt app that only acks (start-up baseline)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402


def bare_app(token: str, signing_secret: str, api_url: str) -> App:
    client = WebClient(token=token, base_url=api_url)
    app = App(client=client, signing_secret=signing_secret, process_before_response=True)

    def acknowledge(ack: Ack) -> None:
        ack()

    app.command("/deskbot")(acknowledge)
    return app


def naive_app() -> tuple[App, Any]:
    from bot.clock import system_clock
    from bot.config import load_settings
    from bot.delivery import SlackDelivery
    from bot.slack_app import SlashCommandHandler, create_web_client
    from bot.storage.command_log import CommandLog
    from bot.wiring import wire

    settings = load_settings(env_file=None)
    client = create_web_client(settings)
    wired = wire(settings, client, system_clock)
    _token, signing_secret = settings.require_slack()
    app = App(client=client, signing_secret=signing_secret, process_before_response=True)
    short_commands = {name: sub for name, sub in settings.short_command_map.items() if wired.registry.get(sub)}
    work = SlashCommandHandler(
        wired.registry, SlackDelivery(client), CommandLog(wired.sessions), system_clock, short_commands
    )

    def work_then_ack(ack: Ack, command: dict[str, Any]) -> None:
        work(command)
        ack()

    for name in (settings.slash_command, *short_commands):
        app.command(name)(work_then_ack)
    return app, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", action="store_true", help="only ack; no deskbot command code imported")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import os

    from bot.http_server import serve_http

    if args.bare:
        app = bare_app(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_SIGNING_SECRET"], os.environ["SLACK_API_URL"])
        serve_http(app, os.environ.get("DESKBOT_BIND", "127.0.0.1"), int(os.environ.get("PORT", "3000")))
        return
    app, settings = naive_app()
    serve_http(app, settings.bind_host, settings.port)


if __name__ == "__main__":
    main()
