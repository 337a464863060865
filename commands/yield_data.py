"""What the yields and curve commands share: picking the close, describing rarity, the source line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from commands.context import CommandContext
from commands.formatting import signed_bp
from commands.registry import Command, UsageError
from market.analytics.curve import close_on_or_before
from market.analytics.rarity import WEEKLY, RankedMove, day_moves, rank, week_moves
from market.calendar import is_business_day
from market.publication import Dataset
from market.tenors import TENOR_KEYS, tenor_key
from market.yields.history import DataStatus, YieldHistory

WINDOWS: tuple[int, ...] = (1, 2, 3, 5, 10)
# A move whose last larger match is this old (or that has none) leads a tenor's answer even below the 99th.
NOTABLE_AFTER = timedelta(days=365)
# What "rare" means in every answer.
RARE_HEADING = "Rare moves (beyond the 99th percentile either way)"
# A series younger than this many windows (about a year) is too short to call anything rare.
MIN_HISTORY_WINDOWS = 250


@dataclass(frozen=True)
class Close:
    """The close an answer is about, and what the reader must know about the data."""

    day: pd.Timestamp
    status: DataStatus
    notes: tuple[str, ...]


def pick_close(history: YieldHistory, wanted: date, ctx: CommandContext, command: Command, explicit: bool) -> Close:
    """The last close on or before `wanted`, fetching newer data when it is not stored yet."""
    first = history.first_day()
    if wanted < first:
        raise UsageError(f"{wanted.isoformat()} is before the data, which starts {first.isoformat()}.", command)
    status = history.ensure_covers(wanted, ctx.now)
    frame = history.frame()
    # Never a close that was not yet published at the answer's point in time (replays hold the whole history).
    point = ctx.point_in_time(wanted)
    published = min(wanted, point.latest_day(Dataset.PAR_CURVE))
    day = close_on_or_before(frame, published)
    if day is None:
        raise UsageError(f"There is no close on or before {wanted.isoformat()}.", command)
    notes: list[str] = []
    if explicit and day.date() != wanted:
        if wanted > published:
            reason = "has no close yet (Treasury publishes it in the evening)"
        elif not is_business_day(wanted):
            reason = "is not a business day"
        else:
            reason = "has no close stored"
        notes.append(f"{wanted.isoformat()} {reason}; showing the close of {day.date().isoformat()}.")
    if status.stale and day.date() == status.latest and wanted >= status.expected:
        why = f" (refresh failed: {status.refresh_error})" if status.refresh_error else ""
        notes.append(
            f":warning: Stale: the latest close I have is {status.latest.isoformat()}; "
            f"Treasury should have published {status.expected.isoformat()} by now{why}."
        )
    return Close(day, status, tuple(notes))


def parse_tenors(words: tuple[str, ...], command: Command) -> tuple[str, ...]:
    """Tenor keys from what the user typed; an unknown tenor is a usage error listing the known ones."""
    keys: list[str] = []
    for word in words:
        key = tenor_key(word)
        if key is None:
            shown = word.replace("`", "'")[:20]
            raise UsageError(f"`{shown}` is not a tenor. Tenors: {', '.join(TENOR_KEYS)}.", command)
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def week_is_complete(day: date) -> bool:
    """True when `day` is the last business day of its Friday-ending week."""
    friday = day + timedelta(days=(4 - day.weekday()) % 7)
    following = (day + timedelta(days=offset) for offset in range(1, (friday - day).days + 1))
    return not any(is_business_day(later) for later in following)


def ranked_moves(closes: pd.Series, day: date) -> list[RankedMove]:
    """The moves ending on `day` over each standard window, and the week if it is complete."""
    moves = [rank(day_moves(closes, length), day) for length in WINDOWS]
    if week_is_complete(day):
        friday = day + timedelta(days=(4 - day.weekday()) % 7)
        moves.append(rank(week_moves(closes), friday))
    return [move for move in moves if move is not None]


def is_rare(move: RankedMove) -> bool:
    """Rare: at or beyond the 99th percentile either way, over a history long enough to say so."""
    return move.window.bp != 0 and move.count >= MIN_HISTORY_WINDOWS and move.rare


def is_notable(move: RankedMove) -> bool:
    """Worth a tenor's headline: rare, or the largest such move in over a year (never called rare)."""
    if move.window.bp == 0 or move.count < MIN_HISTORY_WINDOWS:
        return False
    if move.rare:
        return True
    if move.resumed is not None:  # only the time since the series came back counts
        return move.window.end - move.resumed >= NOTABLE_AFTER
    return move.since is None or move.window.end - move.since.end >= NOTABLE_AFTER


def rarity_order(move: RankedMove) -> tuple[int, float]:
    """Sort key: no earlier match first, then the oldest match, then the extremest percentile."""
    age = (move.window.end - move.since.end).days if move.since else 10**6
    return (-age, -abs(move.percentile - 50.0))


def window_name(move: RankedMove) -> str:
    return "weekly" if move.length == WEEKLY else f"{move.length}-day"


def describe(tenor: str, move: RankedMove) -> str:
    """ "30y +44 bp on the week: largest weekly rise since the week ending 1987-04-24 (+47 bp)"."""
    direction = "rise" if move.window.bp > 0 else "fall"
    span = "on the week" if move.length == WEEKLY else f"over {move.length} day{'s' if move.length != 1 else ''}"
    head = f"{tenor} {signed_bp(move.window.bp)} {span}"
    if move.resumed is not None:
        resumed = f"{head}: largest {window_name(move)} {direction} since the series resumed on {move.resumed}"
        gap = f"{move.broke:%Y}–{move.resumed:%Y}" if move.broke else "its"
        if move.since is None:
            return f"{resumed} (and larger than any before its {gap} break)"
        return f"{resumed} (before its {gap} break: {_where(move)}, {signed_bp(move.since.bp)})"
    if move.since is None:
        return f"{head}: the largest {window_name(move)} {direction} since {move.history_start.year} (on record)"
    return f"{head}: largest {window_name(move)} {direction} since {_where(move)} ({signed_bp(move.since.bp)})"


def _where(move: RankedMove) -> str:
    """Where the last larger move ended: a week (Friday to Friday), a day, or a window."""
    assert move.since is not None
    if move.length == WEEKLY:  # Friday-to-Friday weeks only, so it can differ from the 5-day window
        return f"the Friday-to-Friday week ending {move.since.end.isoformat()}"
    if move.length == 1:
        return move.since.end.isoformat()
    return f"the window ending {move.since.end.isoformat()}"


def source_line(history: YieldHistory, close: Close) -> str:
    """The context line every yields answer ends with."""
    return (
        f"Source: {history.source_of(close.day.date())} · close {close.day.date().isoformat()} · "
        "official closes, changes in bp · rarity ranks every window since the tenor's first close"
    )
