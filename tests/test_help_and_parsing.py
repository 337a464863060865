"""What a desk member sees for help, bad input and sharing flags."""

from __future__ import annotations

import json
from datetime import datetime

from bot.demo.slack_workspace import block_problem
from bot.slack_message import message_payload
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome, Visibility
from commands.services import Services
from market.auctions.book import AuctionBook
from tests.auction_support import sqlite_store


def test_help_lists_every_registered_command(registry, ctx):
    reply = answer("help", ctx, registry)

    shown = json.dumps(reply.blocks)
    names = [command.name for command in registry]
    assert names  # the registry is never empty: help itself is a command
    for command in registry:
        assert f"/deskbot {command.usage}" in shown
        assert f"/deskbot {command.usage}" in reply.text
    assert reply.outcome is Outcome.OK
    assert reply.visibility is Visibility.EPHEMERAL
    assert block_problem(list(reply.blocks)) is None


def test_bare_command_and_typed_slash_prefix_show_help(registry, ctx):
    assert answer("", ctx, registry) == answer("help", ctx, registry)
    assert answer("/deskbot help", ctx, registry) == answer("help", ctx, registry)
    assert answer("  HELP  ", ctx, registry) == answer("help", ctx, registry)


def test_help_for_one_command_shows_usage_and_examples(registry, ctx):
    reply = answer("help help", ctx, registry)

    assert reply.blocks[0]["text"]["text"] == "/deskbot help"
    assert "*Usage:* `/deskbot help [command]`" in reply.text
    assert "• `/deskbot help help`" in reply.text
    assert answer("help --help", ctx, registry) == reply


def test_unknown_command_gets_usage_with_the_known_commands(registry, ctx):
    reply = answer("auctoins 10y", ctx, registry)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.visibility is Visibility.EPHEMERAL
    assert reply.text.startswith(":warning: I don't know the command `auctoins`.")
    assert "Commands: `help`" in reply.text
    assert "Type `/deskbot help` to see every command." in reply.text


def test_usage_errors_name_the_command_usage(registry, ctx):
    reply = answer("help yields curve", ctx, registry)
    assert reply.outcome is Outcome.USAGE_ERROR
    assert "Usage: `/deskbot help [command]`" in reply.text

    reply = answer("help nosuch", ctx, registry)
    assert "There is no command `nosuch` to explain." in reply.text


def test_unbalanced_quotes_are_a_usage_error_not_a_crash(registry, ctx):
    reply = answer('help "10y', ctx, registry)
    assert reply.outcome is Outcome.USAGE_ERROR
    assert "check your quotes" in reply.text


def test_post_flag_shares_in_channel_anywhere_in_the_text(registry, ctx):
    assert message_payload(answer("--post help", ctx, registry))["response_type"] == "in_channel"
    assert message_payload(answer("help --post", ctx, registry))["response_type"] == "in_channel"
    assert message_payload(answer("help", ctx, registry))["response_type"] == "ephemeral"


def test_renamed_slash_command_appears_in_help(registry, ctx):
    from dataclasses import replace

    reply = answer("/rates help", replace(ctx, slash_command="/rates"), registry)
    assert "`/rates help [command]`" in reply.text


def test_a_short_command_shows_its_usage_and_example_as_typed_under_it(tmp_path):
    # Typed as `/auction 99y`: the usage and the example must read `/auction …`, and the example must work.
    store = sqlite_store(tmp_path)
    registry = build_registry(Services(store=store, auctions=AuctionBook(store)))
    ctx = CommandContext(
        now=datetime(2025, 4, 9, 13, 5, tzinfo=DESK_TZ),
        slash_command="/auction",
        short_commands={"/auction": "auction"},
    )
    reply = answer("/auction 99y", ctx, registry)

    assert "Usage: `/auction <next|tenor|CUSIP> [YYYY-MM-DD] [history] [wi=YIELD]`" in reply.text
    assert "For example: `/auction next`" in reply.text
    assert "/auction auction" not in reply.text
    help_reply = answer("/auction help", ctx, registry)
    assert "`/auction next`" in help_reply.text and "/auction auction" not in help_reply.text
