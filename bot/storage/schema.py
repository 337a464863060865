"""Schema revisions (Alembic), applied under a lock so instances starting together never race.

Every start upgrades the database to the latest revision, holding a lock for the whole
upgrade: on PostgreSQL an advisory lock on one connection (the same connection runs the
revisions, in one transaction), on SQLite an exclusive `flock` on a file beside the
database. The second instance waits, then finds the schema at head and does nothing.

A database made by deskbot 0.1.0 (its tables, no `alembic_version`) is checked against
that release's tables and stamped at revision 0001 instead of being created again.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.config import ConfigError
from bot.storage.migrations import baseline
from bot.storage.models import Base

logger = logging.getLogger(__name__)
# Alembic narrates every connection at INFO; what changed is logged here, once.
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# An arbitrary, fixed 64-bit key: "deskmigr" (the scheduler's leader lock uses another).
SCHEMA_LOCK_KEY = 0x6465736B6D696772


class SchemaError(ConfigError):
    """The database's schema cannot be brought to head without someone looking at it first."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against the revisions this deskbot carries."""

    revision: str | None  # what alembic_version records; None before the first upgrade
    head: str
    known: bool  # the recorded revision is one of ours (a newer deskbot's is not)
    has_tables: bool  # any deskbot table exists
    legacy: bool  # deskbot 0.1.0's tables with no revision recorded

    @property
    def at_head(self) -> bool:
        return self.revision == self.head and self.has_tables

    def describe(self) -> str:
        """One line for `deskbot db current`: the revision and whether it is the latest."""
        upgrade = "run deskbot db upgrade"
        if self.revision is None and self.legacy:
            return f"none (tables from before schema revisions; head is {self.head}: {upgrade} to adopt them)"
        if self.revision is None:
            return f"none (empty database; head is {self.head}: {upgrade})"
        if not self.known:
            return f"{self.revision} (unknown to this deskbot, whose head is {self.head}: upgrade deskbot)"
        if not self.has_tables:
            return f"{self.revision} (but no tables; head is {self.head}: {upgrade})"
        if self.revision == self.head:
            return f"{self.revision} (head)"
        return f"{self.revision} (head is {self.head}: {upgrade})"


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None
    after: str
    adopted: bool  # deskbot 0.1.0's tables were checked and stamped at the baseline revision

    def describe(self) -> str:
        lines = []
        if self.adopted:
            lines.append(f"adopted the tables of deskbot 0.1.0 at {baseline.BASELINE_REVISION} (data kept)")
        start = baseline.BASELINE_REVISION if self.adopted else self.before
        if start != self.after:
            lines.append(f"upgraded from {start or 'none'} to {self.after}")
        return "\n".join(lines) or "nothing to upgrade"


def upgrade_schema(engine: Engine) -> UpgradeResult:
    """Bring the database to the latest revision, holding the schema lock while doing it."""
    with _schema_lock(engine) as connection:  # leaving it uncommitted rolls back
        result = _upgrade(connection, _url_shown(engine))
        connection.commit()
    if result.before != result.after or result.adopted:
        logger.info("database schema: %s", result.describe().replace("\n", "; "))
    return result


def schema_state(engine: Engine) -> SchemaState:
    """Read where the schema stands, changing nothing (a missing SQLite file is an empty database)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not Path(database).exists():
        return SchemaState(None, head_revision(), known=True, has_tables=False, legacy=False)
    with engine.connect() as connection:
        return _state(connection)


def head_revision() -> str:
    head = _script().get_current_head()
    assert head is not None, "no revisions in bot/storage/migrations/versions"
    return head


def baseline_differences(connection: Connection) -> list[str]:
    """How existing tables differ from deskbot 0.1.0's (a missing table is no difference: it is created)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": _is_baseline_table})
    existing = set(inspect(connection).get_table_names())
    problems = []
    for diff in compare_metadata(context, baseline.metadata):
        table, described = _describe_difference(diff)
        if table is None or table in existing:  # a missing table's own indexes are no difference either
            problems.append(described)
    return problems


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code: the revisions shipped in the package, and the connection to use."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _upgrade(connection: Connection, shown: str) -> UpgradeResult:
    state = _state(connection)
    head = state.head
    if not state.known:
        raise SchemaError(
            f"DESKBOT_DATABASE_URL: {shown} is at schema revision {state.revision}, which this deskbot does not "
            f"know (its latest is {head}): it was upgraded by a newer deskbot, so run that one"
        )
    if state.revision is not None and not state.has_tables:
        # Everything deskbot keeps was dropped but the revision was left behind: there is nothing to keep.
        logger.warning("schema revision %s recorded but no deskbot tables: creating them", state.revision)
        connection.execute(text(f"DELETE FROM {VERSION_TABLE}"))
        state = _state(connection)
    config = alembic_config(connection)
    if state.legacy:
        problems = baseline_differences(connection)
        if problems:
            raise SchemaError(
                f"DESKBOT_DATABASE_URL: {shown} holds deskbot tables with no schema revision that differ from "
                f"deskbot 0.1.0's, so they were left as they are: {'; '.join(problems)}"
            )
        baseline.metadata.create_all(connection)  # what 0.1.0 would have added on its next start
        command.stamp(config, baseline.BASELINE_REVISION)
    if state.legacy or state.revision != head:
        try:
            command.upgrade(config, "head")
        except CommandError as error:
            raise SchemaError(f"DESKBOT_DATABASE_URL: {shown}: schema upgrade failed: {error}") from None
    return UpgradeResult(before=state.revision, after=head, adopted=state.legacy)


def _state(connection: Connection) -> SchemaState:
    script = _script()
    head = head_revision()
    revision = MigrationContext.configure(connection).get_current_revision()
    tables = set(inspect(connection).get_table_names())
    known = True
    if revision is not None:
        try:
            script.get_revision(revision)
        except CommandError:
            known = False
    has_tables = bool(tables & set(Base.metadata.tables))
    legacy = revision is None and bool(tables & set(baseline.metadata.tables))
    return SchemaState(revision, head, known=known, has_tables=has_tables, legacy=legacy)


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection holding the schema lock; the lock is released when the block ends."""
    if engine.dialect.name == "sqlite":
        with _file_lock(engine.url.database), engine.connect() as connection:
            yield connection
        return
    # A connection of its own, never pooled: if this process dies, the server drops the lock with it.
    locker = create_engine(engine.url, poolclass=NullPool)
    try:
        with locker.connect() as connection:
            key = {"key": SCHEMA_LOCK_KEY}
            if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
                logger.info("waiting for another instance to finish upgrading the database schema")
                connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
            connection.commit()
            try:
                yield connection
            finally:
                with suppress(SQLAlchemyError):  # a broken connection has already dropped the lock
                    connection.rollback()
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                    connection.commit()
    finally:
        locker.dispose()


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """An exclusive lock on `<database>.schema-lock` (an in-memory database has one connection: no lock)."""
    if not database or database == ":memory:" or database.startswith("file:") or sys.platform == "win32":
        yield
        return
    import fcntl

    with open(f"{database}.schema-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("waiting for another process to finish upgrading the database schema")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _url_shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _is_baseline_table(name: str | None, type_: str, _parents: Any) -> bool:
    return type_ != "table" or name in baseline.metadata.tables


def _describe_difference(diff: Any) -> tuple[str | None, str]:
    """The table a difference reported by Alembic's comparison is about, and one readable phrase for it."""
    if isinstance(diff, list):  # modify_type, modify_nullable, … for one column
        kind, _schema, table, column = diff[0][:4]
        return table, f"{table}.{column}: {kind.removeprefix('modify_')} differs"
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return diff[1].name, f"{diff[1].name}: table {'missing' if kind == 'add_table' else 'not in 0.1.0'}"
    if kind in ("add_column", "remove_column"):
        table, column = diff[2], diff[3].name
        return table, f"{table}.{column}: " + ("column missing" if kind == "add_column" else "column not in 0.1.0")
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        item = diff[1]
        what = "index" if kind.endswith("index") else "constraint"
        state = "missing" if kind.startswith("add") else "not in 0.1.0"
        return item.table.name, f"{item.table.name}: {what} {item.name} {state}"
    return None, f"{kind}: {diff[1:]}"
