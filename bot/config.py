"""Settings from the environment (and an optional `.env`).

A bad setting must stop start-up with a line naming the variable and what it
should be, so validation errors are turned into `ConfigError` here: one error
listing every bad setting, so a newcomer fixes them all in one go.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from market.analytics.alerts import ALERT_TENORS
from market.tenors import tenor_key


class ConfigError(Exception):
    """Settings are missing or malformed; each problem names its variable and never shows a secret."""

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems or ("the configuration is invalid",)
        super().__init__("; ".join(self.problems))


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "deskbot"


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL (got {value!r})")
    return value


class SlackCredentials(BaseSettings):
    """The Slack secrets, readable on their own: they are checked even when other settings are bad."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=False,
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")

    def slack_problems(self) -> list[str]:
        """What stops `serve`: each missing or malformed Slack secret, named but never shown."""
        problems: list[str] = []
        token = _secret(self.slack_bot_token)
        if not token:
            problems.append("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app.")
        elif not token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-.")
        if not _secret(self.slack_signing_secret):
            problems.append(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information."
            )
        app_token = _secret(self.slack_app_token)
        if app_token and not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-.")
        return problems


class Settings(SlackCredentials):
    """Every setting deskbot reads, under the environment variable's own name (Slack's in `SlackCredentials`)."""

    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    slash_command: str = Field("/deskbot", validation_alias="DESKBOT_SLASH_COMMAND")
    port: int = Field(3000, ge=1, le=65535, validation_alias="PORT")
    bind_host: str = Field("0.0.0.0", validation_alias="DESKBOT_BIND")
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="DESKBOT_DATA_DIR")
    database_url: str | None = Field(None, validation_alias="DESKBOT_DATABASE_URL")
    log_level: str = Field("INFO", validation_alias="DESKBOT_LOG_LEVEL")

    treasurydirect_url: str = Field(
        "https://www.treasurydirect.gov/TA_WS", validation_alias="DESKBOT_TREASURYDIRECT_URL"
    )
    fiscaldata_url: str = Field(
        "https://api.fiscaldata.treasury.gov/services/api/fiscal_service",
        validation_alias="DESKBOT_FISCALDATA_URL",
    )
    treasury_rates_url: str = Field(
        "https://home.treasury.gov/resource-center/data-chart-center/interest-rates",
        validation_alias="DESKBOT_TREASURY_RATES_URL",
    )
    nyfed_url: str = Field("https://markets.newyorkfed.org/api", validation_alias="DESKBOT_NYFED_URL")
    nyfed_pd_url: str = Field("https://markets.newyorkfed.org/api", validation_alias="DESKBOT_NYFED_PD_URL")
    ofr_url: str = Field("https://data.financialresearch.gov/v1", validation_alias="DESKBOT_OFR_URL")
    fred_url: str = Field("https://api.stlouisfed.org/fred", validation_alias="DESKBOT_FRED_URL")
    fredgraph_url: str = Field("https://fred.stlouisfed.org/graph", validation_alias="DESKBOT_FREDGRAPH_URL")
    fred_api_key: SecretStr | None = Field(None, validation_alias="FRED_API_KEY")
    cftc_url: str = Field("https://publicreporting.cftc.gov/resource", validation_alias="DESKBOT_CFTC_URL")
    desk_feed_url: str | None = Field(None, validation_alias="DESKBOT_DESK_FEED_URL")
    wi_feed_url: str | None = Field(None, validation_alias="DESKBOT_WI_FEED_URL")
    upstream_timeout_seconds: float = Field(15.0, gt=0, le=300, validation_alias="DESKBOT_UPSTREAM_TIMEOUT_SECONDS")
    upstream_backoff_seconds: float = Field(60.0, ge=0, le=3600, validation_alias="DESKBOT_UPSTREAM_BACKOFF_SECONDS")
    admins: str = Field("", validation_alias="DESKBOT_ADMINS")
    scheduler_enabled: bool = Field(True, validation_alias="DESKBOT_SCHEDULER")
    post_grace_minutes: float = Field(10.0, gt=0, le=24 * 60, validation_alias="DESKBOT_POST_GRACE_MINUTES")
    stale_claim_seconds: float = Field(120.0, gt=0, le=86400, validation_alias="DESKBOT_STALE_CLAIM_SECONDS")
    leader_poll_seconds: float = Field(10.0, gt=0, le=300, validation_alias="DESKBOT_LEADER_POLL_SECONDS")
    dealer_flag_pct: float = Field(40.0, gt=0, le=100, validation_alias="DESKBOT_DEALER_FLAG_PCT")
    alert_tenors: str = Field(",".join(ALERT_TENORS), validation_alias="DESKBOT_ALERT_TENORS")
    # 0 ranks the 3-day move rule against the tenor's whole series.
    alert_history_years: int = Field(20, ge=0, le=100, validation_alias="DESKBOT_ALERT_HISTORY_YEARS")
    tail_flag_bp: float = Field(2.0, gt=0, le=100, validation_alias="DESKBOT_TAIL_FLAG_BP")
    flash_poll_seconds: float = Field(1.0, gt=0, le=300, validation_alias="DESKBOT_FLASH_POLL_SECONDS")
    flash_timeout_minutes: float = Field(30.0, gt=0, le=600, validation_alias="DESKBOT_FLASH_TIMEOUT_MINUTES")
    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024, validation_alias="DESKBOT_MAX_BODY_BYTES")
    short_commands: str = Field(
        "/yields=yields,/curve=curve,/auction=auction,/funding=funding,/basis=basis,/dealers=dealers",
        validation_alias="DESKBOT_SHORT_COMMANDS",
    )

    @field_validator(
        "treasurydirect_url",
        "fiscaldata_url",
        "treasury_rates_url",
        "nyfed_url",
        "nyfed_pd_url",
        "ofr_url",
        "fred_url",
        "fredgraph_url",
        "cftc_url",
    )
    @classmethod
    def _upstream_url(cls, value: str) -> str:
        return _check_http_url(value).rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        # slack_sdk joins method names onto the base, so it must end in "/".
        return _check_http_url(value).rstrip("/") + "/"

    @field_validator("slash_command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError(f"must look like /deskbot (got {value!r})")
        return value

    @field_validator("short_commands")
    @classmethod
    def _short_commands(cls, value: str) -> str:
        parse_short_commands(value)
        return value

    @property
    def admin_ids(self) -> list[str]:
        """Slack user ids allowed to change subscriptions besides workspace admins and owners."""
        return [item.strip() for item in self.admins.split(",") if item.strip()]

    @property
    def short_command_map(self) -> dict[str, str]:
        """Slash command name → deskbot subcommand, e.g. `/yields` → `yields`."""
        return parse_short_commands(self.short_commands)

    @field_validator("alert_tenors")
    @classmethod
    def _alert_tenors(cls, value: str) -> str:
        keys = [tenor_key(word.strip()) for word in value.split(",") if word.strip()]
        if not keys or None in keys:
            raise ValueError(f"must be tenors separated by commas, e.g. 2y,10y,30y (got {value!r})")
        return ",".join(key for key in keys if key is not None)

    @property
    def alert_tenor_keys(self) -> tuple[str, ...]:
        """The tenors whose moves the alert checks watch."""
        return tuple(self.alert_tenors.split(","))

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"must be DEBUG, INFO, WARNING or ERROR (got {value!r})")
        return level

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return normalise_database_url(value)

    @property
    def resolved_database_url(self) -> str:
        """The configured database, or an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'deskbot.sqlite3'}"

    def require_slack(self) -> tuple[str, str]:
        """The bot token and signing secret that `serve` cannot run without (every problem at once)."""
        problems = self.slack_problems()
        if problems:
            raise ConfigError(*problems)
        return _secret(self.slack_bot_token), _secret(self.slack_signing_secret)

    def secrets(self) -> list[str]:
        """Every secret value, for scrubbing from logs."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.fred_api_key)
        found = [value.get_secret_value() for value in values if value is not None and value.get_secret_value()]
        password = str(make_url(self.database_url).password or "") if self.database_url else ""
        # As typed, and as it appears inside a URL (SQLAlchemy's quoting and form quoting).
        forms = (password, quote(password, safe=" +"), quote_plus(password))
        return [*found, *dict.fromkeys(forms)] if password else found


def parse_short_commands(value: str) -> dict[str, str]:
    """`/yields=yields,/tsy-curve=curve` (or just `/yields`) as a map; `none` turns them off."""
    mapping: dict[str, str] = {}
    if value.strip().lower() in ("", "none", "off"):
        return mapping
    for item in value.split(","):
        name, eq, sub = item.strip().partition("=")
        name = name.strip()
        sub = (sub if eq else name.lstrip("/")).strip().lower()
        if not name.startswith("/") or " " in name or len(name) < 2 or not sub:
            raise ValueError(f"each entry must look like /yields=yields (got {item.strip()!r})")
        mapping[name.lower()] = sub
    return mapping


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def normalise_database_url(value: str) -> str:
    """Accept the URLs hosting platforms hand out and use the psycopg 3 driver."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("is not a database URL (expected e.g. sqlite:///path or postgresql+psycopg://…)") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if not url.drivername.startswith(("sqlite", "postgresql")):
        raise ValueError(f"must be an SQLite or PostgreSQL URL (got driver {url.drivername!r})")
    return url.render_as_string(hide_password=False)


def load_settings(env_file: str | Path | None = ".env", *, require_slack: bool = False) -> Settings:
    """Read settings; every bad one (and, with `require_slack`, every missing Slack secret) in one `ConfigError`."""
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        problems.extend(validation_problems(error))
    if require_slack:
        # Read on their own when other settings are bad (string secrets always validate), and listed first.
        credentials = settings if settings is not None else SlackCredentials(_env_file=env_file)  # type: ignore[call-arg]
        problems[:0] = credentials.slack_problems()
    if problems or settings is None:
        raise ConfigError(*problems)
    return settings


def validation_problems(error: ValidationError) -> list[str]:
    """One line per bad variable, e.g. `PORT: input should be a valid integer, …`.

    Pydantic's copy of the input is left out; only our own validators quote a value, never a secret's.
    """
    problems: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "configuration"
        message = item["msg"].removeprefix("Value error, ")
        problems.setdefault(name, f"{name}: {message[:1].lower()}{message[1:]}")
    return list(problems.values())
