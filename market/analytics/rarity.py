"""How rare a yield move is: "largest N-day rise since …" and its percentile.

Definitions (as a desk reads them):
- An N-day move ending on day D is close(D) − close(N rows earlier) in bp, rows
  being the days the tenor has a close.
- Weekly means Friday-to-Friday: the last close of each week (weeks end on
  Friday, labelled by that Friday) minus the week before's.
- "Largest since" is the most recent earlier window in the same direction with
  a move at least as large that ended no later than this window's first close
  (windows do not overlap; consecutive weeks may touch).
- A window spanning a gap of more than MAX_GAP_DAYS calendar days in the
  tenor's closes (a series break, e.g. the 30-year 2002-2006) is not a move.
- Percentile: the share of all windows of the same length ending on or before D
  whose move is at or below this one (rises read high, falls read low).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

MAX_GAP_DAYS = 10
# Consecutive windows ending further apart than this sit either side of a series break:
# "largest since" never reaches across it (the 30-year was not published 2002-2006).
SEGMENT_BREAK_DAYS = 31
WEEKLY = "weekly"
# A move is "rare" at or beyond these percentiles of its own history.
RARE_HIGH = 99.0
RARE_LOW = 1.0


@dataclass(frozen=True)
class Window:
    """One window's move: first close, last close, change in bp."""

    start: date
    end: date
    bp: float


@dataclass(frozen=True)
class RankedMove:
    """A move with its rarity against every earlier window of the same length."""

    window: Window
    length: int | str  # business days, or WEEKLY
    percentile: float
    since: Window | None  # the last larger move in the same direction, None = largest on record
    history_start: date  # first window end in the comparison
    count: int  # windows compared
    # Set when no larger move came since the series last resumed after a break (its first close);
    # `since` is then the larger move before the break, if any.
    resumed: date | None = None
    broke: date | None = None  # the last window end before that break

    @property
    def rare(self) -> bool:
        return self.percentile >= RARE_HIGH or self.percentile <= RARE_LOW


@dataclass(frozen=True)
class Moves:
    """Every valid window of one length for one tenor, in end-date order."""

    starts: np.ndarray  # datetime64[D]
    ends: np.ndarray
    bp: np.ndarray  # float, rounded to 0.01 bp
    length: int | str

    def __len__(self) -> int:
        return len(self.bp)


def day_moves(closes: pd.Series, length: int) -> Moves:
    """Every `length`-row move of `closes` (percent, by date), breaks excluded."""
    values = closes.to_numpy(dtype="float64")
    days = closes.index.to_numpy(dtype="datetime64[D]")
    if len(values) <= length:
        empty = np.array([], dtype="datetime64[D]")
        return Moves(empty, empty, np.array([], dtype="float64"), length)
    gap = np.zeros(len(days), dtype=np.int64)
    gap[1:] = (np.diff(days).astype(np.int64) > MAX_GAP_DAYS).astype(np.int64)
    breaks = np.cumsum(gap)
    bp = np.round((values[length:] - values[:-length]) * 100.0, 2)
    valid = (breaks[length:] == breaks[:-length]) & np.isfinite(bp)
    return Moves(days[:-length][valid], days[length:][valid], bp[valid], length)


def week_moves(closes: pd.Series) -> Moves:
    """Friday-to-Friday moves: each week's last close against the week before's."""
    weekly = closes.groupby(closes.index.to_period("W-FRI")).last()
    fridays = weekly.index.end_time.normalize().to_numpy(dtype="datetime64[D]")
    values = weekly.to_numpy(dtype="float64")
    consecutive = np.diff(fridays).astype(np.int64) == 7
    bp = np.round((values[1:] - values[:-1]) * 100.0, 2)
    valid = consecutive & np.isfinite(bp)
    return Moves(fridays[:-1][valid], fridays[1:][valid], bp[valid], WEEKLY)


def rank(moves: Moves, end: date, *, history_from: date | None = None) -> RankedMove | None:
    """The window ending on `end` with its percentile and "largest since", or None if none ends then.

    `history_from` ranks against only the windows ending on or after it (a desk's recent
    regime); "largest since" still looks back over the whole series.
    """
    target = np.datetime64(end, "D")
    position = int(np.searchsorted(moves.ends, target))
    if position >= len(moves) or moves.ends[position] != target:
        return None
    bp = moves.bp[position]
    first = 0 if history_from is None else int(np.searchsorted(moves.ends, np.datetime64(history_from, "D")))
    first = min(first, position)
    history = moves.bp[first : position + 1]
    percentile = float(np.count_nonzero(history <= bp)) * 100.0 / len(history)
    since = _largest_since(moves, position)
    segment = _segment_start(moves, position)
    resumed = broke = None
    if segment > 0 and (since is None or since < segment):
        resumed = _day(moves.starts[segment])  # `since`, if any, lies before the break
        broke = _day(moves.ends[segment - 1])
    return RankedMove(
        window=_window(moves, position),
        length=moves.length,
        percentile=percentile,
        since=None if since is None else _window(moves, since),
        history_start=_day(moves.ends[first]),
        count=len(history),
        resumed=resumed,
        broke=broke,
    )


def _segment_start(moves: Moves, position: int) -> int:
    """The first window after the last series break at or before `position` (0 when there is none)."""
    gaps = np.diff(moves.ends[: position + 1]).astype(np.int64) > SEGMENT_BREAK_DAYS
    breaks = np.flatnonzero(gaps)
    return int(breaks[-1]) + 1 if len(breaks) else 0


def _largest_since(moves: Moves, position: int) -> int | None:
    bp = moves.bp[position]
    if bp == 0:
        return None
    # Earlier windows that ended no later than this window's first close.
    last_allowed = int(np.searchsorted(moves.ends, moves.starts[position], side="right"))
    earlier = moves.bp[:last_allowed]
    hits = np.flatnonzero(earlier >= bp) if bp > 0 else np.flatnonzero(earlier <= bp)
    return int(hits[-1]) if len(hits) else None


def largest_since_all(moves: Moves) -> np.ndarray:
    """For every window, the index of its "largest since" window (-1 = none, or a zero move).

    Vectorised binary lifting over a sparse table of running maxima: for each
    window, skip back over blocks that hold no move as large, O(n log n) in numpy.
    """
    result = np.full(len(moves), -1, dtype=np.int64)
    if not len(moves):
        return result
    last_allowed = np.searchsorted(moves.ends, moves.starts, side="right")
    for sign in (1.0, -1.0):
        signed = moves.bp * sign
        table = [signed]  # table[k][j] = max(signed[j : j + 2**k])
        while (1 << len(table)) <= len(signed):
            previous, half = table[-1], 1 << (len(table) - 1)
            table.append(np.maximum(previous[:-half], previous[half:]))
        wanted = signed > 0
        position = last_allowed.copy()  # exclusive end of what is still to search
        for level in range(len(table) - 1, -1, -1):
            step = 1 << level
            start = position - step
            can = start >= 0
            block_max = np.full(len(signed), np.inf)
            block_max[can] = table[level][start[can]]
            skip = can & (block_max < signed)
            position = np.where(skip, start, position)
        found = wanted & (position > 0)
        result[found] = position[found] - 1
    return result


def _window(moves: Moves, position: int) -> Window:
    return Window(_day(moves.starts[position]), _day(moves.ends[position]), float(moves.bp[position]))


def _day(value: np.datetime64) -> date:
    return pd.Timestamp(value).date()
