"""`deskbot ask` shows Slack mrkdwn the way a terminal can: what the newcomer sees, not the markup."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import wants_ansi
from bot.text_render import ANSI_BOLD, ANSI_NORMAL, EMOJI, mrkdwn_as_text, reply_as_text
from commands import blocks
from commands.reply import Outcome, Reply
from tests.harness.bot_process import clean_environment
from tests.test_cli import run_deskbot

OFFLINE = {"DESKBOT_TREASURY_RATES_URL": "http://127.0.0.1:9/unreachable"}


def _flash_like_reply() -> Reply:
    """Every construct the commands use, built with the commands' own block builders."""
    text, built = blocks.answer_blocks(
        ":rotating_light: 10-year auction 2025-04-09: strong",
        "high yield 4.435% · bid-to-cover 2.67x · dealers 4.2%",
        [
            ":large_green_circle: *Strong*: dealers took _far_ less than usual (4.2% vs 12.7% average).",
            "Compare with `/deskbot auction 10y history` or see <https://www.treasurydirect.gov/auctions/|TreasuryDirect>.",
            "```\nauction      yield   btc\n2025-04-09  4.435%  2.67x\n2025-03-12  4.310%  2.60x\n```",
            ":warning: WI &lt; high yield &amp; tail n/a · :shrug: stays as typed",
        ],
        "Source: Treasury Fiscal Data · posted to <#C0AUCTIONS|auctions> for <@U0TRADER>",
    )
    return Reply(text=text, blocks=built)


def test_every_mrkdwn_construct_reads_as_plain_terminal_text():
    shown = reply_as_text(_flash_like_reply())

    assert shown.splitlines() == [
        "🚨 10-year auction 2025-04-09: strong",
        "=" * len("🚨 10-year auction 2025-04-09: strong") + "=",  # the emoji takes two columns
        "high yield 4.435% · bid-to-cover 2.67x · dealers 4.2%",
        "🟢 Strong: dealers took far less than usual (4.2% vs 12.7% average).",
        "Compare with /deskbot auction 10y history or see TreasuryDirect (https://www.treasurydirect.gov/auctions/).",
        "    auction      yield   btc",
        "    2025-04-09  4.435%  2.67x",
        "    2025-03-12  4.310%  2.60x",
        "⚠️ WI < high yield & tail n/a · :shrug: stays as typed",
        "Source: Treasury Fiscal Data · posted to #auctions for @U0TRADER",
    ]
    assert "\x1b[" not in shown


def test_on_a_terminal_bold_is_ansi_bold_and_nothing_else_changes():
    plain = reply_as_text(_flash_like_reply())
    bold = reply_as_text(_flash_like_reply(), ansi=True)

    assert f"🟢 {ANSI_BOLD}Strong{ANSI_NORMAL}: dealers took far less" in bold
    assert f"{ANSI_BOLD}high yield 4.435% · bid-to-cover 2.67x · dealers 4.2%{ANSI_NORMAL}" in bold
    assert bold.replace(ANSI_BOLD, "").replace(ANSI_NORMAL, "") == plain


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        # Marks inside words, names and arithmetic are not formatting, as in Slack.
        ("DESKBOT_SHORT_COMMANDS and 5 * 3 * 2", "DESKBOT_SHORT_COMMANDS and 5 * 3 * 2"),
        # Code keeps its characters; bold may hold code.
        ("`*not bold*` and `:warning:`", "*not bold* and :warning:"),
        ("*bold `code` inside*", "bold code inside"),
        # Slack placeholders outside code are not links; times keep their colons.
        ("`<next|tenor|CUSIP>` at 1:00 pm ET", "<next|tenor|CUSIP> at 1:00 pm ET"),
        ("<https://fred.stlouisfed.org>", "https://fred.stlouisfed.org"),
        ("<!here> :x: done", "@here ❌ done"),
        # A code block on one line with text around it still stands apart, indented.
        ("see ```a  b``` above", "see\n    a  b\nabove"),
    ],
)
def test_edge_cases_render_as_slack_would_show_them(mrkdwn, shown):
    assert mrkdwn_as_text(mrkdwn) == shown


def test_every_emoji_the_commands_use_has_a_character():
    used = set()
    root = Path(__file__).resolve().parents[1]
    for package in ("commands", "market", "bot"):
        for path in (root / package).rglob("*.py"):
            used |= set(_emoji_names(path.read_text(encoding="utf-8")))
    assert used, "no emoji names found: the scan is broken"
    assert used <= set(EMOJI), f"emoji names with no terminal character: {sorted(used - set(EMOJI))}"


def _emoji_names(source: str) -> list[str]:
    # `:name:` as the brief's grep finds them, less the colon-words that are not emoji.
    not_emoji = {"gte", "lte", "memory"}  # a Fiscal Data filter (`auction_date:gte:`), SQLite's `:memory:`
    return [name for name in re.findall(r":([a-z][a-z0-9_]*):", source) if name not in not_emoji]


def test_deskbot_ask_help_shows_commands_without_backticks(tmp_path):
    result = run_deskbot("ask", "/deskbot help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "/deskbot help [command] — List every command, or explain one." in result.stdout.splitlines()
    assert "`" not in result.stdout and "*" not in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal


def test_deskbot_ask_usage_error_shows_the_warning_sign_not_its_name(tmp_path):
    result = run_deskbot("ask", "/deskbot nonsense", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("⚠️ I don't know the command nonsense. Commands: help, yields")
    assert result.stderr.splitlines()[1] == "Type /deskbot help to see every command."


def test_deskbot_ask_yields_shows_bold_plain_and_the_table_indented(tmp_path):
    env = {**OFFLINE, "DESKBOT_DATA_DIR": str(tmp_path / "data")}
    result = run_deskbot("ask", "/deskbot yields 30y", "--as-of", "2025-04-11", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[2] == "30y 4.85%, +44 bp on the week: largest weekly rise since the series resumed on 2006-02-10"
        " (before its 2002–2006 break: the Friday-to-Friday week ending 1987-04-24, +47 bp);"
        " +44 bp over 5 days: largest 5-day rise since the window ending 2020-03-18 (+47 bp)"
    )
    assert lines[3] == "30y 4.85% — 1d −1 bp · 1w +44 bp · 1m +26 bp · YTD +7 bp"
    # The windows are a table block, printed in monospace where it stands.
    assert lines[4] == "    30y window    move  pctile  largest since"
    assert "    Fri-Fri     +44 bp    99.3  resumed 2006-02-10; before: 1987-04-24" in lines
    assert "```" not in result.stdout


def test_deskbot_ask_json_keeps_the_slack_mrkdwn(tmp_path):
    result = run_deskbot("ask", "/deskbot nonsense", "--json", cwd=tmp_path)

    assert result.returncode == 2
    message = json.loads(result.stderr)
    assert message["text"].startswith(":warning: I don't know the command `nonsense`.")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_on_a_real_terminal_deskbot_ask_prints_ansi_bold(tmp_path):
    import pty

    leader, follower = pty.openpty()
    env = {**clean_environment(), **OFFLINE, "DESKBOT_DATA_DIR": str(tmp_path / "data"), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "/deskbot yields", "--as-of", "2025-04-09"],
        env=env,
        cwd=tmp_path,
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0
    shown = output.decode()
    assert f"{ANSI_BOLD}Day:{ANSI_NORMAL} 2s10s bear flattener" in shown
    assert "*Day:*" not in shown


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_ansi_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_ansi(_Stream(tty=True))
    assert not wants_ansi(_Stream(tty=False))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_ansi(_Stream(tty=True))
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not wants_ansi(_Stream(tty=True))


def test_a_reply_without_blocks_renders_its_text():
    reply = Reply(text=":x: Something went wrong (ref abc123). Quote the *ref*.", outcome=Outcome.FAILED)
    assert reply_as_text(reply) == "❌ Something went wrong (ref abc123). Quote the ref."
