"""Schema revisions: 0.1.0 databases adopted with their data, fresh ones built to head, no start-up races."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage.command_log import CommandLog, CommandRecord
from bot.storage.database import create_database, open_engine
from bot.storage.models import Base
from bot.storage.schema import SchemaError, head_revision, schema_state
from tests.harness.bot_process import clean_environment

FIXTURES = Path(__file__).parent / "fixtures" / "schema_0_1_0"
MODEL_TABLES = set(Base.metadata.tables)
HELP_RUN = CommandRecord(
    datetime(2025, 4, 9, 17, 6, tzinfo=UTC), "T0DESK", "C0DESK", "U0TRADER", "help", "ok", None, True, 3
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, of this test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def _make_0_1_0_database(url: str) -> None:
    """The tables exactly as deskbot 0.1.0 made them (`create_all`, DDL kept in tests/fixtures), with data."""
    engine = open_engine(url)
    ddl = (FIXTURES / f"{engine.dialect.name}.sql").read_text()
    statements = [part.strip() for part in ddl.split(";")]
    with engine.begin() as connection:
        for statement in statements:
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if body:
                connection.exec_driver_sql(body)
        connection.execute(
            text(
                "INSERT INTO command_runs (received_at, team_id, channel_id, user_id, command_text, outcome,"
                " error_ref, delivered, duration_ms) VALUES (:at, 'T0DESK', 'C0DESK', 'U0TRADER', 'yields 10y',"
                " 'ok', NULL, :delivered, 42)"
            ),
            {"at": datetime(2025, 4, 9, 17, 5, tzinfo=UTC), "delivered": True},
        )
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def _execute(url: str, sql: str) -> None:
    engine = open_engine(url)
    with engine.begin() as connection:
        connection.execute(text(sql))
    engine.dispose()


def test_a_database_made_by_0_1_0_is_stamped_at_the_first_revision_and_keeps_its_data(url):
    _make_0_1_0_database(url)
    engine = open_engine(url)
    assert schema_state(engine).legacy

    log = CommandLog(create_database(url))

    state = schema_state(engine)
    assert (state.revision, state.at_head, state.legacy) == ("0001", True, False)
    assert [(entry.command_text, entry.duration_ms) for entry in log.recent()] == [("yields 10y", 42)]
    log.record(HELP_RUN)
    assert [entry.command_text for entry in CommandLog(create_database(url)).recent()] == ["help", "yields 10y"]
    engine.dispose()


def test_a_0_1_0_database_missing_a_table_gets_it_as_0_1_0_would_have(tmp_path):
    url = f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
    _make_0_1_0_database(url)
    _execute(url, "DROP TABLE seen_signatures")

    create_database(url)

    assert _tables(url) == MODEL_TABLES | {"alembic_version"}


def test_0_1_0_tables_that_differ_are_refused_and_left_as_they_are(url):
    _make_0_1_0_database(url)
    _execute(url, "ALTER TABLE command_runs ADD COLUMN channel_name TEXT")
    _execute(url, "DROP INDEX ix_post_ledger_due_at")

    with pytest.raises(SchemaError) as raised:
        create_database(url)

    (problem,) = raised.value.problems
    assert problem.startswith("DESKBOT_DATABASE_URL: ")
    assert "differ from deskbot 0.1.0's, so they were left as they are" in problem
    assert "command_runs.channel_name: column not in 0.1.0" in problem
    assert "post_ledger: index ix_post_ledger_due_at missing" in problem
    assert "alembic_version" not in _tables(url)


def test_an_empty_database_upgraded_to_head_has_the_tables_and_columns_of_the_models(url):
    create_database(url)

    engine = open_engine(url)
    with engine.connect() as connection:
        inspector = inspect(connection)
        assert set(inspector.get_table_names()) == MODEL_TABLES | {"alembic_version"}
        for name, table in Base.metadata.tables.items():
            assert [column["name"] for column in inspector.get_columns(name)] == list(table.columns.keys()), name
        # Types, nullability, indexes and unique constraints too: nothing a new revision would have to add.
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
    engine.dispose()


def test_a_revision_left_behind_with_no_tables_is_rebuilt(url):
    create_database(url)
    engine = open_engine(url)
    Base.metadata.drop_all(engine)  # everything deskbot keeps, but not alembic_version

    CommandLog(create_database(url)).record(HELP_RUN)

    assert schema_state(engine).at_head
    assert _tables(url) == MODEL_TABLES | {"alembic_version"}
    engine.dispose()


def test_a_revision_from_a_newer_deskbot_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
    create_database(url)
    _execute(url, "UPDATE alembic_version SET version_num = '0999'")

    with pytest.raises(SchemaError, match="is at schema revision 0999, which this deskbot does not know"):
        create_database(url)


def _upgrade_in_a_process(url: str, workdir: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    os.chdir(workdir)
    os.environ.clear()
    os.environ.update({**clean_environment(), "DESKBOT_DATABASE_URL": url})
    out = io.StringIO()
    barrier.wait(timeout=60)
    try:
        with redirect_stdout(out):
            code = main(["db", "upgrade"])
    except BaseException as error:  # reported to the test, not lost in the child
        code, out = -1, io.StringIO(repr(error))
    results.put((code, out.getvalue()))


def _start_together(url: str, workdir: Path, processes: int) -> list[tuple[int, str]]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()
    started = [
        context.Process(target=_upgrade_in_a_process, args=(url, str(workdir), barrier, results))
        for _ in range(processes)
    ]
    for process in started:
        process.start()
    outcomes = [results.get(timeout=120) for _ in started]
    for process in started:
        process.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_instances_starting_together_on_an_empty_database_all_succeed(kind, tmp_path, request):
    for round_ in range(3):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'round{round_}.sqlite3'}"
        else:
            url = str(request.getfixturevalue("pg_url"))
            _execute(url, "DROP TABLE IF EXISTS alembic_version")
            Base.metadata.drop_all(engine := open_engine(url))
            engine.dispose()

        outcomes = _start_together(url, tmp_path, processes=3)

        assert [code for code, _out in outcomes] == [0, 0, 0], outcomes
        said = sorted(out.splitlines()[1] for _code, out in outcomes)
        assert said == ["nothing to upgrade", "nothing to upgrade", f"upgraded from none to {head_revision()}"]
        assert _tables(url) == MODEL_TABLES | {"alembic_version"}


def _db(
    action: str, url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """`deskbot db ACTION` in this process, with only DESKBOT_DATABASE_URL set."""
    from bot.cli import main

    for name in list(os.environ):
        if name.startswith(("SLACK_", "DESKBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url)
    code = main(["db", action])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_db_current_says_where_the_schema_stands_and_db_upgrade_brings_it_to_head(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'deskbot.sqlite3'}"
    head = head_revision()

    code, out, err = _db("current", url, monkeypatch, capsys)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"database: {url}",
        f"revision: none (empty database; head is {head}: run deskbot db upgrade)",
    ]

    _make_0_1_0_database(url)
    code, out, _err = _db("current", url, monkeypatch, capsys)
    assert code == 1
    assert out.splitlines()[1] == (
        f"revision: none (tables from before schema revisions; head is {head}: run deskbot db upgrade to adopt them)"
    )

    code, out, err = _db("upgrade", url, monkeypatch, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"database: {url}",
        "adopted the tables of deskbot 0.1.0 at 0001 (data kept)",
        f"revision: {head} (head)",
    ]

    code, out, _err = _db("current", url, monkeypatch, capsys)
    assert (code, out.splitlines()[1]) == (0, f"revision: {head} (head)")


def test_db_commands_on_an_unreachable_database_print_one_line_and_no_traceback(tmp_path):
    url = "postgresql+psycopg://desk:hunter2@127.0.0.1:1/deskbot"
    for action in ("current", "upgrade"):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "db", action],
            env={**clean_environment(), "DESKBOT_DATABASE_URL": url},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "deskbot: configuration error: DESKBOT_DATABASE_URL: cannot open "
            "postgresql+psycopg://desk:***@127.0.0.1:1/deskbot (OperationalError)"
        ]


def test_postgresql_connections_give_up_connecting_fast_and_send_tcp_keepalives(postgres_url: str) -> None:
    """A dead or half-open database is found in seconds, not after the kernel's two-hour keepalive."""
    from bot.storage.database import open_engine

    engine = open_engine(postgres_url)
    with engine.connect() as connection:
        dsn = connection.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
    engine.dispose()
    for setting in ("connect_timeout=5", "keepalives=1", "keepalives_idle=10", "keepalives_count=3"):
        assert setting in dsn.split()
