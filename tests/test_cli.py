"""The `deskbot` command line as a newcomer runs it, in a clean environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.bot_process import clean_environment


def run_deskbot(*args: str, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean_environment(), **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ask_help_prints_the_help_without_any_slack_token(tmp_path):
    result = run_deskbot("ask", "/deskbot help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "deskbot: Treasury desk commands"
    assert set(lines[1]) == {"="}
    assert "`/deskbot help [command]` — List every command, or explain one." in result.stdout


def test_ask_nonsense_prints_the_usage_error_and_exits_non_zero(tmp_path):
    result = run_deskbot("ask", "/deskbot nonsense", cwd=tmp_path)

    assert result.returncode == 2
    assert "I don't know the command `nonsense`" in result.stderr
    assert "Type `/deskbot help` to see every command." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ask_json_prints_the_slack_message(tmp_path):
    result = run_deskbot("ask", "help --post", "--json", "--as-of", "2025-04-09T13:05", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    message = json.loads(result.stdout)
    assert message["response_type"] == "in_channel"
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "deskbot: Treasury desk commands", "emoji": True},
    }
    assert message["text"].startswith("deskbot: Treasury desk commands")


@pytest.mark.parametrize("as_of", ["2025-13-01", "09/04/2025", "2025-04-09 13:05"])
def test_bad_as_of_is_refused_with_the_expected_format(tmp_path, as_of):
    result = run_deskbot("ask", "help", "--as-of", as_of, cwd=tmp_path)
    assert result.returncode == 2
    assert "--as-of must be YYYY-MM-DD or YYYY-MM-DDTHH:MM" in result.stderr


def test_serve_without_a_token_stops_with_one_line_naming_it(tmp_path):
    result = run_deskbot("serve", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration error: SLACK_BOT_TOKEN is not set: "
        "copy the Bot User OAuth Token (xoxb-…) from your Slack app."
    ]


def test_serve_with_a_malformed_port_names_port(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "PORT": "eighty"}
    result = run_deskbot("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration error: PORT: input should be a valid integer, unable to parse string as an integer"
    ]


def test_serve_with_a_token_slack_rejects_says_so(tmp_path, slack):
    env = {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": slack.api_url}
    result = run_deskbot("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "deskbot: configuration error: SLACK_BOT_TOKEN was not accepted by Slack (auth.test said invalid_auth)"
    )
    assert "xoxb-revoked" not in result.stderr


def test_charts_in_a_reply_are_written_as_png_files(tmp_path, capsys):
    from datetime import date

    from bot.cli import _write_charts
    from charts.specs import LineChart, Series
    from commands.reply import Reply

    chart = LineChart(title="10Y", series=(Series("10Y", ((date(2025, 4, 8), 4.26), (date(2025, 4, 9), 4.34))),))
    reply = Reply(text="10Y", charts=(chart,))

    _write_charts(reply, None)
    assert "1 chart(s) not written: pass --out DIR to save them" in capsys.readouterr().err

    _write_charts(reply, tmp_path / "charts")
    written = tmp_path / "charts" / "chart.png"
    assert written.read_bytes().startswith(b"\x89PNG")
    assert f"chart written to {written}" in capsys.readouterr().err
