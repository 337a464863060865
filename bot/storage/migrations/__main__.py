"""`python -m bot.storage.migrations revision "what changes"`: write the next schema revision.

The revision is generated from the difference between `bot/storage/models.py` and a
scratch database brought to head (SQLite by default, or `--database-url` to compare
against an empty PostgreSQL database), numbered after the current head.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import Sequence

from alembic import command

from bot.storage.database import open_engine
from bot.storage.schema import alembic_config, head_revision, upgrade_schema


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.migrations", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="write the next revision into bot/storage/migrations/versions")
    revision.add_argument("message", help="what the revision changes, e.g. 'command runs keep the channel name'")
    revision.add_argument("--empty", action="store_true", help="an empty revision to fill in by hand (data moves)")
    revision.add_argument("--database-url", help="an empty scratch database to compare with (default: SQLite)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as folder:
        engine = open_engine(args.database_url or f"sqlite:///{folder}/head.sqlite3")
        try:
            upgrade_schema(engine)
            with engine.connect() as connection:
                command.revision(
                    alembic_config(connection),
                    message=args.message,
                    autogenerate=not args.empty,
                    rev_id=f"{int(head_revision()) + 1:04d}",
                )
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
