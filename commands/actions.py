"""Buttons under an answer, each carrying in its value what it takes to do its action again.

Nothing is kept on the server between the answer and the press: a button's value is a small
JSON object, `{"c": <command text>, "a": <the answer's --as-of, or "">, "v": 1}`, of at most
2,000 characters (Slack's limit for a button value). The command text is the subcommand and
its words as `/deskbot` takes them (`auction 10y 2025-04-09 history`), so a renamed short
command does not break a button already posted. Commands choose their buttons
(`Reply.with_buttons`); the Slack edge shows them as one actions block after the answer's blocks.
`parse_action_value` reads a pressed button back; a value it cannot read, or of another
version, is stale, and the asker is told so in one line.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from commands import blocks
from commands.context import CommandContext
from commands.options import AS_OF_FLAG
from commands.registry import POST_FLAG
from commands.schedule.model import Feed, Subscription

# Every button deskbot puts under an answer has an action_id starting with this; the bot listens for it.
ACTION_PREFIX = "deskbot_answer_"
VALUE_VERSION = 1
# An as-of as commands take it (`2025-04-09`, `2025-04-09T18:00`): no space, so it can add no other word.
_AS_OF = re.compile(r"^[0-9][0-9T:.\-]{0,31}$")


class Action(StrEnum):
    """What a button does; the value is its action_id."""

    SHARE = "deskbot_answer_share"  # the same answer again, for the whole channel
    HISTORY_CHART = "deskbot_answer_history_chart"  # `auction <tenor> <date> history`
    PREVIOUS_AUCTION = "deskbot_answer_previous_auction"  # `auction <tenor> <previous auction's date>`
    CHART_1Y = "deskbot_answer_chart_1y"  # `yields <tenors> --since <a year before the close>`
    CURVE = "deskbot_answer_curve"  # `curve`
    SUBSCRIBE = "deskbot_answer_subscribe_channel"  # `subscribe here briefings tenors=<tenor>`


LABELS = {
    Action.SHARE: "Share in channel",
    Action.HISTORY_CHART: "History chart",
    Action.PREVIOUS_AUCTION: "Previous auction",
    Action.CHART_1Y: "Chart 1y",
    Action.CURVE: "Curve",
    Action.SUBSCRIBE: "Subscribe this channel",
}
# Buttons whose command is run with the answer's --as-of (a subscription has no point in time).
_TAKES_AS_OF = frozenset(Action) - {Action.SUBSCRIBE}


@dataclass(frozen=True)
class ActionValue:
    """A pressed button read back: what to do, the command to run and the as-of it ran at."""

    action: Action
    command: str
    as_of: str = ""
    # When the answer was given (Share only): the shared answer is the same one, as of that moment.
    answered_at: datetime | None = None

    @property
    def text(self) -> str:
        """The command to run: the button's command with `--as-of` when the answer had one."""
        if not self.as_of or self.action not in _TAKES_AS_OF or _has_as_of(shlex.split(self.command)):
            return self.command
        return f"{self.command} {AS_OF_FLAG} {self.as_of}"


def encode_value(command: str, as_of: str = "", answered_at: datetime | None = None) -> str:
    """A button's value: the command and the as-of (and for Share the answer's moment), as compact JSON."""
    found: dict[str, Any] = {"c": command, "a": as_of, "v": VALUE_VERSION}
    if answered_at is not None:
        found["t"] = answered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(found, separators=(",", ":"), ensure_ascii=False)


def button(
    action: Action, command: str, as_of: str = "", *, primary: bool = False, answered_at: datetime | None = None
) -> dict[str, Any] | None:
    """A button doing `action` by running `command` (as of `as_of`); None when its value would not fit Slack."""
    value = encode_value(command, as_of if action in _TAKES_AS_OF else "", answered_at)
    if len(value) > blocks.MAX_BUTTON_VALUE_CHARS or not command.strip():
        return None
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": blocks.clip(LABELS[action], blocks.MAX_BUTTON_LABEL_CHARS)},
        "action_id": action.value,
        "value": value,
    }
    if primary:
        element["style"] = "primary"
    return element


def action_buttons(reply_buttons: Sequence[dict[str, Any]]) -> blocks.Block | None:
    """The actions block Slack shows under an answer with these buttons, or None without any."""
    return blocks.actions(reply_buttons) if reply_buttons else None


def parse_action_value(action_id: Any, value: Any) -> ActionValue | None:
    """The button read back, or None when it is stale (unknown action, unreadable value, another version)."""
    try:
        action = Action(str(action_id))
    except ValueError:
        return None
    if not isinstance(value, str) or len(value) > blocks.MAX_BUTTON_VALUE_CHARS:
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    version, command, as_of = found.get("v"), found.get("c"), found.get("a", "")
    answered_at = _moment(found.get("t"))
    if found.get("t") is not None and answered_at is None:
        return None
    if type(version) is not int or version != VALUE_VERSION:
        return None
    if not isinstance(command, str) or not command.strip() or not isinstance(as_of, str):
        return None
    if as_of and not _AS_OF.match(as_of):
        return None
    try:
        shlex.split(command)
    except ValueError:
        return None
    return ActionValue(action, command.strip(), as_of, answered_at)


def _moment(text: Any) -> datetime | None:
    """A value's `t` (UTC, to the second) read back, or None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


# -- what a command puts in its buttons -----------------------------------------------------------------


def answer_as_of(words: Sequence[str], ctx: CommandContext) -> str:
    """The answer's as-of as typed (`--as-of 2025-04-09` or `--as-of=…`), else `deskbot ask --as-of DATE`'s, else ""."""
    found = ""
    for index, word in enumerate(words):
        name, eq, value = word.partition("=")
        if name.lower() == AS_OF_FLAG:
            found = value if eq else (words[index + 1] if index + 1 < len(words) else "")
    if found:
        return found
    return ctx.close_of.isoformat() if ctx.close_of is not None else ""


def flags_as_of(flags: Mapping[str, str], ctx: CommandContext) -> str:
    """`answer_as_of` for a command that has split its options already."""
    return flags.get(AS_OF_FLAG) or (ctx.close_of.isoformat() if ctx.close_of is not None else "")


def command_words(name: str, words: Sequence[str]) -> str:
    """`name` and `words` as one command text, without `--as-of` (carried apart) and `--post`."""
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        flag, eq, _value = word.partition("=")
        if flag.lower() == AS_OF_FLAG:
            skip = not eq
            continue
        if word == POST_FLAG:
            continue
        kept.append(word)
    return shlex.join([name, *kept])


def share_button(name: str, words: Sequence[str], ctx: CommandContext) -> dict[str, Any] | None:
    """The Share in channel button of a private answer to `name words`: the same command, as of the same time."""
    return button(Action.SHARE, command_words(name, words), answer_as_of(words, ctx), primary=True, answered_at=ctx.now)


def subscribe_button(feed: Feed, tenor: str) -> dict[str, Any] | None:
    """The Subscribe this channel button: `feed` for `tenor`, in the channel the button is pressed in."""
    return button(Action.SUBSCRIBE, f"subscribe here {feed.value} tenors={tenor}")


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


# -- what the bot needs to answer a press ---------------------------------------------------------------


def subscription_text(command: str, channel_id: str | None, existing: Iterable[Subscription]) -> str:
    """A subscribe button's command for the channel it was pressed in, keeping what the channel already gets.

    `subscribe here briefings tenors=10y` in a channel whose briefings cover 20y and 30y with a
    30-minute lead becomes `subscribe here briefings tenors=20y,30y,10y lead=30m`: the button adds
    its tenor and never narrows a subscription (subscribing replaces the channel's one to a feed).
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    feeds = [word for word in words[2:] if "=" not in word]
    pairs = dict(word.split("=", 1) for word in words[2:] if "=" in word)
    if words[:2] != ["subscribe", "here"] or len(feeds) != 1 or set(pairs) - {"tenors"}:
        return command
    current = next((s for s in existing if s.channel_id == channel_id and s.feed.value == feeds[0].lower()), None)
    if current is None:
        return command
    wanted = [tenor for tenor in pairs.get("tenors", "").split(",") if tenor]
    tenors = [*current.tenors, *(tenor for tenor in wanted if tenor not in current.tenors)]
    return f"subscribe here {current.feed.value} tenors={','.join(tenors)} lead={current.lead_minutes}m"


def stale_text(reason: str | None = None) -> str:
    """The one line a stale button answers with: why, when the command said (else deskbot changed since)."""
    if reason:
        return f":warning: This button no longer works: {reason.removeprefix(':warning:').strip()}"
    return (
        ":warning: This button no longer works: deskbot has changed since its answer was posted. "
        "Ask again with the command."
    )


def _has_as_of(words: Sequence[str]) -> bool:
    return any(word.partition("=")[0].lower() == AS_OF_FLAG for word in words)


__all__ = [
    "ACTION_PREFIX",
    "LABELS",
    "VALUE_VERSION",
    "Action",
    "ActionValue",
    "action_buttons",
    "answer_as_of",
    "button",
    "command_words",
    "encode_value",
    "flags_as_of",
    "parse_action_value",
    "share_button",
    "stale_text",
    "subscribe_button",
    "subscription_text",
    "year_before",
]
