"""Internal errors become a reference for the user and a trace in the log; secrets never reach the log."""

from __future__ import annotations

import logging

from bot.execution import execute
from bot.logs import REDACTED, RedactingFormatter, redact
from commands.registry import Command, Registry
from commands.reply import Outcome, Visibility


def _registry_with_a_broken_command() -> Registry:
    def broken(args, ctx):  # type: ignore[no-untyped-def]
        raise KeyError("highYield")

    registry = Registry()
    registry.add(Command(name="auction", summary="s", usage="auction", handler=broken))
    return registry


def test_an_internal_error_answers_with_a_ref_and_logs_the_trace_under_it(ctx, caplog):
    caplog.set_level(logging.ERROR)

    reply, ref = execute("auction 10y", ctx, _registry_with_a_broken_command())

    assert ref is not None and len(ref) == 6
    assert reply.text.startswith(f":x: Something went wrong (ref {ref}).")
    assert reply.outcome is Outcome.FAILED
    assert reply.visibility is Visibility.EPHEMERAL
    assert "KeyError" not in reply.text and "Traceback" not in reply.text
    [record] = caplog.records
    assert ref in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_refs_differ_between_failures(ctx):
    registry = _registry_with_a_broken_command()
    refs = {execute("auction", ctx, registry)[1] for _ in range(20)}
    assert len(refs) == 20


def test_token_shaped_strings_and_known_secrets_are_redacted():
    line = (
        "posting with xoxb-test-fake-AbCdEfGhIjKl and xapp-test-fake-abc, "
        "url https://api.stlouisfed.org/fred/series/observations?series_id=SOFR&api_key=abcdef0123456789 "
        "reply to https://hooks.slack.com/commands/T0DESK/123/secretpart signing s3cr3t-signing"
    )
    cleaned = redact(line, ["s3cr3t-signing"])
    for secret in ("xoxb-test-fake", "xapp-test-fake", "abcdef0123456789", "secretpart", "s3cr3t-signing"):
        assert secret not in cleaned
    assert "series_id=SOFR&api_key=" + REDACTED in cleaned
    assert cleaned.count(REDACTED) == 5


def test_the_formatter_redacts_exception_text_too():
    formatter = RedactingFormatter("%(message)s", ["signing-secret-value"])
    try:
        raise RuntimeError("auth failed for signing-secret-value")
    except RuntimeError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    assert "signing-secret-value" not in formatter.format(record)
