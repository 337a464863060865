"""Shared fixtures: local Slack and upstream stand-ins, frozen context, databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.demo.slack_workspace import SlackStandIn
from bot.storage.models import Base
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import build_registry
from commands.registry import Registry
from tests.harness import log_scan
from tests.harness.upstream import RecordedUpstream

POSTGRES_ADMIN_URL = os.environ.get(
    "DESKBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("DESKBOT_REQUIRE_POSTGRES") == "1"
if make_url(POSTGRES_ADMIN_URL).password:
    log_scan.add_database_password(str(make_url(POSTGRES_ADMIN_URL).password))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs_shared: cross-checks the raw files in ../shared/data (or $DESKBOT_SHARED_DATA); "
        "skipped when they are absent, as on a fresh clone (tests/harness/shared_data.py)",
    )
    # Every log line of the session is scanned for test secrets at the end (tests/harness/log_scan.py).
    if not config.pluginmanager.is_registered(log_scan):
        config.pluginmanager.register(log_scan, "deskbot_log_scan")


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def upstream() -> Iterator[RecordedUpstream]:
    with RecordedUpstream() as server:
        yield server


@pytest.fixture
def registry() -> Registry:
    return build_registry()


@pytest.fixture
def ctx() -> CommandContext:
    """Wednesday 9 April 2025, 13:05 New York: the 30-year reopening had just closed."""
    return CommandContext(now=datetime(2025, 4, 9, 13, 5, tzinfo=DESK_TZ), user_id="U0TRADER", channel_id="C0DESK")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (several processes may share it), dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"deskbot_one_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {type(error).__name__}")
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"deskbot_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server reachable
        admin.dispose()
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(error).__name__}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Each storage test runs on SQLite and on PostgreSQL, starting from no tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
        return
    url = str(request.getfixturevalue("postgres_url"))
    yield url
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
