"""The command record, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.command_log import CommandLog, CommandRecord
from bot.storage.database import create_database


def _record(minute: int, **overrides) -> CommandRecord:  # type: ignore[no-untyped-def]
    fields = dict(
        received_at=datetime(2025, 4, 9, 17, minute, tzinfo=UTC),
        team_id="T0DESK",
        channel_id="C0DESK",
        user_id="U0TRADER",
        command_text="help",
        outcome="ok",
        error_ref=None,
        delivered=True,
        duration_ms=12,
    )
    fields.update(overrides)
    return CommandRecord(**fields)


def test_commands_are_kept_newest_first_and_found_by_error_ref(database_url):
    log = CommandLog(create_database(database_url))
    log.record(_record(1))
    log.record(_record(3, command_text="help nosuch", outcome="usage_error"))
    log.record(_record(2, command_text="yields", outcome="failed", error_ref="K7QX2M", delivered=False))

    recent = log.recent()
    assert [entry.command_text for entry in recent] == ["help nosuch", "yields", "help"]
    assert recent[0].received_at == datetime(2025, 4, 9, 17, 3, tzinfo=UTC)
    assert recent[0].received_at.utcoffset() is not None

    failed = log.by_ref("K7QX2M")
    assert failed is not None
    assert (failed.user_id, failed.outcome, failed.delivered) == ("U0TRADER", "failed", False)
    assert log.by_ref("NOSUCH") is None


def test_tables_are_created_once_and_reopening_keeps_the_data(database_url):
    CommandLog(create_database(database_url)).record(_record(5))
    reopened = CommandLog(create_database(database_url))
    assert [entry.received_at.minute for entry in reopened.recent()] == [5]


def test_a_failed_write_is_logged_and_does_not_raise(database_url, caplog):
    log = CommandLog(create_database(database_url))
    too_long_ref = "R" * 500  # longer than the column on PostgreSQL; SQLite accepts it
    log.record(_record(7, error_ref=too_long_ref, received_at=datetime(2025, 4, 9, 17, 7, tzinfo=UTC)))
    kept = [entry.error_ref for entry in log.recent()]
    if "postgresql" in database_url:
        assert kept == []
        assert "could not record command run" in caplog.text
    else:
        assert kept == [too_long_ref]


def test_recent_honours_the_limit(database_url):
    log = CommandLog(create_database(database_url))
    start = datetime(2025, 4, 9, 12, 0, tzinfo=UTC)
    for minute in range(5):
        log.record(_record(0, received_at=start + timedelta(minutes=minute), command_text=f"c{minute}"))
    assert [entry.command_text for entry in log.recent(limit=2)] == ["c4", "c3"]


def test_a_command_text_with_nul_and_control_characters_is_recorded(database_url):
    log = CommandLog(create_database(database_url))
    log.record(_record(8, command_text="yields\x00 30y\x07 \u202e📈"))

    assert [entry.command_text for entry in log.recent()] == ["yields\ufffd 30y\x07 \u202e📈"]
