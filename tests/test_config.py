"""Settings: defaults, one clear line per bad variable, secrets kept secret."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings

ALL_VARIABLES = (
    "SLACK_BOT_TOKEN SLACK_SIGNING_SECRET SLACK_APP_TOKEN PORT SLACK_API_URL DESKBOT_DATABASE_URL "
    "DESKBOT_DATA_DIR DESKBOT_SLASH_COMMAND DESKBOT_LOG_LEVEL DESKBOT_BIND DESKBOT_TREASURYDIRECT_URL "
    "DESKBOT_FISCALDATA_URL DESKBOT_TREASURY_RATES_URL DESKBOT_NYFED_URL DESKBOT_FRED_URL FRED_API_KEY "
    "DESKBOT_CFTC_URL XDG_DATA_HOME"
).split()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_point_at_the_real_services(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = load_settings()

    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.nyfed_url == "https://markets.newyorkfed.org/api"
    assert settings.treasurydirect_url == "https://www.treasurydirect.gov/TA_WS"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'xdg' / 'deskbot' / 'deskbot.sqlite3'}"
    assert settings.slack_app_token is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORT", "http", "PORT: input should be a valid integer"),
        ("PORT", "70000", "PORT: input should be less than or equal to 65535"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL: must be an http(s) URL"),
        ("DESKBOT_NYFED_URL", "ftp://markets.newyorkfed.org", "DESKBOT_NYFED_URL: must be an http(s) URL"),
        ("DESKBOT_DATABASE_URL", "mysql://db/deskbot", "DESKBOT_DATABASE_URL: must be an SQLite or PostgreSQL URL"),
        ("DESKBOT_DATABASE_URL", "not a url", "DESKBOT_DATABASE_URL: is not a database URL"),
        ("DESKBOT_SLASH_COMMAND", "deskbot", "DESKBOT_SLASH_COMMAND: must look like /deskbot"),
        ("DESKBOT_LOG_LEVEL", "chatty", "DESKBOT_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_empty_values_count_as_unset(monkeypatch):
    monkeypatch.setenv("PORT", "")
    monkeypatch.setenv("SLACK_API_URL", "")
    settings = load_settings()
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"


def test_base_urls_are_normalised(monkeypatch):
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("DESKBOT_FRED_URL", "http://127.0.0.1:9999/fred/")
    monkeypatch.setenv("DESKBOT_DATABASE_URL", "postgres://desk:pw@db.internal:5432/deskbot")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.fred_url == "http://127.0.0.1:9999/fred"
    assert settings.resolved_database_url == "postgresql+psycopg://desk:pw@db.internal:5432/deskbot"


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("PORT=8123\nSLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    settings = load_settings()
    assert settings.port == 8123
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-dotenv"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xapp-wrong-kind"}, "SLACK_BOT_TOKEN is malformed"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xoxb-2"},
            "SLACK_APP_TOKEN is malformed",
        ),
    ],
)
def test_serve_requires_slack_credentials(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=expected):
        load_settings().require_slack()


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-value")
    monkeypatch.setenv("FRED_API_KEY", "abcdefabcdefabcdefabcdefabcdefab")
    settings = load_settings()
    assert "xoxb-very-secret-value" not in repr(settings)
    assert "abcdefabcdefabcdefabcdefabcdefab" not in repr(settings)
    assert sorted(settings.secrets()) == ["abcdefabcdefabcdefabcdefabcdefab", "xoxb-very-secret-value"]


def test_every_malformed_setting_is_named_not_just_the_first(monkeypatch):
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setenv("DESKBOT_NYFED_URL", "ftp://markets.newyorkfed.org")
    monkeypatch.setenv("DESKBOT_LOG_LEVEL", "chatty")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "PORT",
        "DESKBOT_LOG_LEVEL",
        "DESKBOT_NYFED_URL",
    ]
    assert str(raised.value) == "; ".join(raised.value.problems)


def test_one_line_per_setting_even_when_pydantic_finds_several_faults_in_it(monkeypatch):
    monkeypatch.setenv("DESKBOT_DATABASE_URL", "mysql://db/deskbot")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.problems == ("DESKBOT_DATABASE_URL: must be an SQLite or PostgreSQL URL (got driver 'mysql')",)


def test_serve_settings_list_the_missing_slack_secrets_with_the_bad_settings(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xapp-the-app-token-by-mistake")
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ConfigError) as raised:
        load_settings(require_slack=True)
    assert raised.value.problems == (
        "SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-.",
        "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information.",
        "PORT: input should be less than or equal to 65535",
    )
    assert "xapp-the-app-token-by-mistake" not in str(raised.value)


def test_require_slack_names_every_missing_secret(monkeypatch):
    with pytest.raises(ConfigError) as raised:
        load_settings().require_slack()
    assert [problem.split(" ")[0] for problem in raised.value.problems] == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


def test_good_serve_settings_load(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    settings = load_settings(require_slack=True)
    assert settings.require_slack() == ("xoxb-1", "s")


def test_alert_tenors_default_to_every_coupon_tenor_and_can_be_narrowed(monkeypatch):
    from bot.config import ConfigError, load_settings

    assert load_settings(env_file=None).alert_tenor_keys == ("2y", "3y", "5y", "7y", "10y", "20y", "30y")
    monkeypatch.setenv("DESKBOT_ALERT_TENORS", "10Y, 30y")
    assert load_settings(env_file=None).alert_tenor_keys == ("10y", "30y")
    monkeypatch.setenv("DESKBOT_ALERT_TENORS", "10y,99y")
    with pytest.raises(ConfigError, match="DESKBOT_ALERT_TENORS"):
        load_settings(env_file=None)
