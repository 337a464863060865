"""A real record store on a fresh SQLite file, for domain tests."""

from __future__ import annotations

from pathlib import Path

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore


def sqlite_store(directory: Path) -> SqlRecordStore:
    return SqlRecordStore(create_database(f"sqlite:///{directory / 'deskbot.sqlite3'}"))
