"""What the fuzz test and the fuzz load script check in deskbot's answers and its command log."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bot.demo.slack_workspace import RESPONSE_URL, Call, SlackStandIn
from bot.storage.command_log import NUL_STAND_IN

# What a user must never see: a trace, an internal exception's name, or a number that is not one.
INTERNALS = re.compile(
    r"Traceback|File \"|\b(?:KeyError|ValueError|TypeError|IndexError|AttributeError|ZeroDivisionError"
    r"|OverflowError|UnicodeError|UnicodeDecodeError|UnicodeEncodeError|Exception)\b"
    r"|(?<![\w.])[-+−]?(?:nan|NaN|inf|Infinity)(?:%| ?bp|x\b|\b)"
)


def internals_shown(reply_text: str, blocks: object, typed: str) -> list[str]:
    """Internal words in a reply that the user did not type themselves (echoes are fine)."""
    shown = reply_text + "\n" + json.dumps(blocks, ensure_ascii=False)
    return [match.group(0) for match in INTERNALS.finditer(shown) if match.group(0).strip("-+−") not in typed]


def calls_by_key(slack: SlackStandIn, prefix: str = "") -> dict[str, list[Call]]:
    """Delivered response_url posts, grouped by the command's key (the URL's last part) when it starts with `prefix`."""
    grouped: dict[str, list[Call]] = {}
    for call in slack.calls_to(RESPONSE_URL):
        key = call.path.rsplit("/", 1)[-1]
        if key.startswith(prefix):
            grouped.setdefault(key, []).append(call)
    return grouped


def replies_by_key(slack: SlackStandIn, prefix: str = "") -> dict[str, list[dict[str, Any]]]:
    """The messages posted to each command's response_url, by key."""
    return {key: [call.params for call in calls] for key, calls in calls_by_key(slack, prefix).items()}


def wait_for_replies(
    slack: SlackStandIn, count: int, timeout: float, prefix: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """Replies by key once `count` commands have one, or whatever arrived by `timeout`."""
    deadline = time.monotonic() + timeout
    while len(replies := replies_by_key(slack, prefix)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return replies


def as_logged(typed: str) -> str:
    """How the command log keeps a text (NUL, which PostgreSQL refuses, replaced)."""
    return typed.replace("\x00", NUL_STAND_IN)


def logged_texts(data_dir: Path) -> list[str]:
    """`command_text` of every row in the command log of the bot whose DESKBOT_DATA_DIR is `data_dir`."""
    engine = create_engine(f"sqlite:///{data_dir / 'deskbot.sqlite3'}")
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT command_text FROM command_runs"))]
    finally:
        engine.dispose()
