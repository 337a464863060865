"""Alembic's entry point: runs the revisions on the connection `bot.storage.schema` hands it.

There is no alembic.ini: the configuration is built in code, and the connection (already
holding the schema lock) arrives in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.storage.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot alter a column in place: batch mode copies the table, on PostgreSQL it is plain ALTERs.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _connection() -> Connection:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run revisions through bot.storage.schema, which passes the locked connection")
    return connection


run_migrations(_connection())
