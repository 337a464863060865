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
    # Slack's `code` marks are dropped for the terminal (tests/test_newcomer_text_render.py has the rest).
    assert "/deskbot help [command] — List every command, or explain one." in lines


def test_ask_nonsense_prints_the_usage_error_and_exits_non_zero(tmp_path):
    result = run_deskbot("ask", "/deskbot nonsense", cwd=tmp_path)

    assert result.returncode == 2
    assert "⚠️ I don't know the command nonsense." in result.stderr
    assert "Type /deskbot help to see every command." in result.stderr
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


def test_serve_without_slack_secrets_names_both_in_one_run(tmp_path):
    result = run_deskbot("serve", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration errors: 2 settings to fix",
        "  1. SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app.",
        "  2. SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information.",
    ]


def test_serve_with_only_the_token_missing_stops_with_one_line_naming_it(tmp_path):
    result = run_deskbot("serve", env={"SLACK_SIGNING_SECRET": "s3cret-signing"}, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration error: SLACK_BOT_TOKEN is not set: "
        "copy the Bot User OAuth Token (xoxb-…) from your Slack app."
    ]


def test_serve_names_every_missing_and_malformed_setting_at_once_without_showing_secrets(tmp_path):
    env = {
        "SLACK_APP_TOKEN": "xoxb-pasted-into-the-wrong-variable",
        "PORT": "abc",
        "DESKBOT_LOG_LEVEL": "chatty",
        "SLACK_API_URL": "slack.com/api",
    }
    result = run_deskbot("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration errors: 6 settings to fix",
        "  1. SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app.",
        "  2. SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information.",
        "  3. SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-.",
        "  4. SLACK_API_URL: must be an http(s) URL (got 'slack.com/api')",
        "  5. PORT: input should be a valid integer, unable to parse string as an integer",
        "  6. DESKBOT_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR (got 'chatty')",
    ]
    assert "xoxb-pasted-into-the-wrong-variable" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_reads_the_slack_secrets_from_dotenv_even_when_other_settings_are_bad(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv-secret\nSLACK_SIGNING_SECRET=s\nPORT=abc\n")
    result = run_deskbot("serve", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration error: PORT: input should be a valid integer, unable to parse string as an integer"
    ]
    assert "xoxb-from-dotenv-secret" not in result.stderr


def test_config_errors_through_main_in_process(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DESKBOT_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PORT", "abc")

    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "deskbot: configuration errors: 3 settings to fix"
    assert [line.split(" ", 4)[3] for line in err.splitlines()[1:]] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "PORT:",
    ]


def test_ask_does_not_need_slack_but_still_names_every_bad_setting(tmp_path):
    result = run_deskbot("ask", "/deskbot help", env={"PORT": "abc", "DESKBOT_LOG_LEVEL": "chatty"}, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "deskbot: configuration errors: 2 settings to fix",
        "  1. PORT: input should be a valid integer, unable to parse string as an integer",
        "  2. DESKBOT_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR (got 'chatty')",
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
