"""Topping up a stored dataset from its live source: at most once per pause, saying what failed.

A burst of commands must not hammer a source that is down, and an answer
given from held data must say so, naming how far the held data reaches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from market.http import UpstreamError
from market.store import RecordStore

logger = logging.getLogger(__name__)

REFRESH_PAUSE = timedelta(minutes=10)


@dataclass(frozen=True)
class Attempt:
    """What one refresh did: whether it stored anything new, and the note to show when it failed."""

    stored: bool = False
    note: str | None = None


def refresh_once(store: RecordStore, dataset: str, now: datetime, fetch: Callable[[], int], held: str) -> Attempt:
    """Run `fetch` (which stores records and says how many) unless `dataset` was tried within the pause.

    `held` names the data answered from instead, e.g. "positions on record through 2026-04-22".
    """
    status = store.refresh_status(dataset)
    if status is not None and now - status.attempted_at < REFRESH_PAUSE:
        return Attempt(note=None if status.error is None else f"{status.error} ({held})")
    try:
        written = fetch()
    except UpstreamError as error:
        logger.warning("refresh of %s failed: %s", dataset, error)
        store.note_refresh(dataset, now, str(error))
        return Attempt(note=f"{error} ({held})")
    store.note_refresh(dataset, now, None)
    logger.info("refresh of %s stored %d records", dataset, written)
    return Attempt(stored=True)
