"""The `deskbot` command line: `serve` runs the bot, `ask` answers one command locally, `db` manages the schema."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot import __version__
from bot.clock import Clock, ReplayClock, frozen_clock, is_bare_date, parse_as_of, system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.execution import execute
from bot.logs import configure_logging
from bot.slack_message import message_payload
from bot.text_render import reply_as_text
from bot.wiring import wire
from commands.context import CommandContext
from commands.reply import Outcome, Reply
from market.publication import day_complete_at

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        clock: Clock = system_clock
        close_of: date | None = None
        as_of = getattr(args, "as_of", None)
        if as_of and args.command == "serve":
            # A running bot keeps time: the clock starts at --as-of and runs at --speed.
            started = datetime.fromtimestamp(args.started_at, UTC) if args.started_at else None
            until = parse_as_of(args.until) if args.until else None
            clock = ReplayClock(parse_as_of(as_of), args.speed, started_at=started, until=until)
        elif as_of and is_bare_date(as_of):  # the close of that day, once everything for it is published
            close_of = parse_as_of(as_of).date()
            clock = frozen_clock(day_complete_at(close_of))
        elif as_of:
            clock = frozen_clock(parse_as_of(as_of))
    except ValueError as error:
        parser.error(str(error))
    try:
        # `serve` needs the Slack secrets: check them with everything else, so one run names every problem.
        settings = load_settings(require_slack=args.command == "serve")
        if args.command == "serve":
            return serve(settings, clock)
        if args.command == "data":
            return refresh_data(settings, clock)
        if args.command == "db":
            return manage_schema(settings, args.action)
        if args.command == "demo":
            from bot.demo.run import run_demo

            return run_demo(args.speed, args.port)
        return ask(settings, clock, args.text, as_json=args.json, out_dir=args.out, close_of=close_of)
    except ConfigError as error:
        print(configuration_error_text(error), file=sys.stderr)
        return EXIT_USAGE


def configuration_error_text(error: ConfigError) -> str:
    """One line for one problem; a numbered list when several settings need fixing."""
    if len(error.problems) == 1:
        return f"deskbot: configuration error: {error.problems[0]}"
    listed = [f"  {number}. {problem}" for number, problem in enumerate(error.problems, start=1)]
    return "\n".join([f"deskbot: configuration errors: {len(error.problems)} settings to fix", *listed])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskbot", description="Slack bot for US Treasury rates desks.")
    parser.add_argument("--version", action="version", version=f"deskbot {__version__}")
    as_of = argparse.ArgumentParser(add_help=False)
    as_of.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD[THH:MM]",
        help="freeze the clock at this New York time (replays, tests)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser(
        "serve", parents=[as_of], help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)"
    )
    serve_parser.add_argument(
        "--speed",
        type=_positive_float,
        default=1.0,
        help="with --as-of: how many times faster than real time the clock runs (replays)",
    )
    serve_parser.add_argument(
        "--started-at",
        type=float,
        metavar="EPOCH_SECONDS",
        help="with --as-of: the real time at which the clock read --as-of (several instances of one replay)",
    )
    serve_parser.add_argument(
        "--until",
        metavar="YYYY-MM-DDTHH:MM",
        help="with --as-of: the New York time at which the replay's clock stops (nothing later is posted)",
    )
    ask_parser = sub.add_parser("ask", parents=[as_of], help="answer one slash command locally, no Slack needed")
    ask_parser.add_argument("text", help='the command as typed in Slack, e.g. "/deskbot help"')
    ask_parser.add_argument("--json", action="store_true", help="print the Slack message JSON instead of text")
    ask_parser.add_argument("--out", type=Path, metavar="DIR", help="write chart PNGs into DIR")
    demo_parser = sub.add_parser("demo", help="a local Slack-like page where the bot replays 7-11 April 2025")
    demo_parser.add_argument(
        "--speed",
        type=float,
        default=720.0,
        help="replay speed (720: a 24-hour desk day in 2 minutes, the week to Friday 19:00 in about 9; 0: no replay)",
    )
    demo_parser.add_argument("--port", type=int, default=3100, help="port of the page on 127.0.0.1 (default 3100)")
    data_parser = sub.add_parser("data", parents=[as_of], help="manage the market data the bot keeps")
    data_parser.add_argument("action", choices=["refresh"], help="refresh: fetch what is newer than the stored data")
    db_parser = sub.add_parser("db", help="the database schema: upgrade it, or show its revision")
    db_parser.add_argument(
        "action",
        choices=["upgrade", "current"],
        help="upgrade: bring the schema to the latest revision (every start does this too); "
        "current: print the revision and whether it is the latest (exit status 1 if not)",
    )
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def refresh_data(settings: Settings, clock: Clock) -> int:
    """Top up the stored history from the live sources, printing progress."""
    configure_logging("WARNING", settings.secrets())
    wired = wire(settings)
    if wired.services.yields is None:
        print("deskbot: no market data is configured", file=sys.stderr)
        return EXIT_FAILED
    history = wired.services.yields
    print(f"par yield curve: stored up to {history.latest_day().isoformat()}")
    result = history.refresh(clock(), progress=lambda message: print(f"par yield curve: {message}", flush=True))
    return EXIT_FAILED if result.error else EXIT_OK


def manage_schema(settings: Settings, action: str) -> int:
    """`deskbot db upgrade` and `deskbot db current`, for operators; exit status 0 when the schema is at head."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.database import open_engine
    from bot.storage.schema import schema_state, upgrade_schema

    configure_logging("WARNING", settings.secrets())
    url = settings.resolved_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        engine = open_engine(url)
        try:
            upgraded = upgrade_schema(engine) if action == "upgrade" else None
            state = schema_state(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError) as error:
        raise ConfigError(f"DESKBOT_DATABASE_URL: cannot open {shown} ({type(error).__name__})") from None
    print(f"database: {shown}")
    if upgraded is not None:
        print(upgraded.describe())
    print(f"revision: {state.describe()}")
    return EXIT_OK if state.at_head else EXIT_FAILED


def ask(
    settings: Settings, clock: Clock, text: str, *, as_json: bool, out_dir: Path | None, close_of: date | None = None
) -> int:
    """Run one command through the same path as Slack and print the answer."""
    configure_logging("WARNING", settings.secrets())
    wired = wire(settings)
    ctx = CommandContext(
        now=clock(), slash_command=settings.slash_command, short_commands=settings.short_command_map, close_of=close_of
    )
    reply, _ref = execute(text, ctx, wired.registry)
    stream = sys.stdout if reply.outcome is Outcome.OK else sys.stderr
    if as_json:  # the Slack message exactly as it would be sent, mrkdwn and all
        shown = json.dumps(message_payload(reply), indent=2, ensure_ascii=False)
    else:
        shown = reply_as_text(reply, ansi=wants_ansi(stream))
    print(shown, file=stream)
    _write_charts(reply, out_dir)
    return {Outcome.OK: EXIT_OK, Outcome.USAGE_ERROR: EXIT_USAGE}.get(reply.outcome, EXIT_FAILED)


def wants_ansi(stream: TextIO) -> bool:
    """Bold as ANSI escapes only on a terminal, and not when NO_COLOR is set or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _write_charts(reply: Reply, out_dir: Path | None) -> None:
    if not reply.charts:
        return
    if out_dir is None:
        print(f"({len(reply.charts)} chart(s) not written: pass --out DIR to save them)", file=sys.stderr)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for chart in reply.charts:
        path = out_dir / chart.filename
        from charts.render import render_png  # matplotlib only when a chart is written

        path.write_bytes(render_png(chart))
        print(f"chart written to {path}", file=sys.stderr)


def serve(settings: Settings, clock: Clock) -> int:
    """Run the bot until stopped."""
    from bot.runtime import run_bot

    configure_logging(settings.log_level, settings.secrets())
    run_bot(settings, clock)
    return EXIT_OK
