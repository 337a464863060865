"""What a desk member sees for help, bad input and sharing flags."""

from __future__ import annotations

import json

from bot.demo.slack_workspace import block_problem
from bot.slack_message import message_payload
from commands.dispatch import answer
from commands.reply import Outcome, Visibility


def test_help_lists_every_registered_command(registry, ctx):
    reply = answer("help", ctx, registry)

    shown = json.dumps(reply.blocks)
    names = [command.name for command in registry]
    assert names  # the registry is never empty: help itself is a command
    for command in registry:
        assert command.usage_line("/deskbot") in shown
        assert command.usage_line("/deskbot") in reply.text
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
