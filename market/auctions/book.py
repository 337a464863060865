"""The auction history deskbot answers from: shipped, plus what it fetched and stored.

Asked about a day the history does not reach yet, the book fetches from
TreasuryDirect (Fiscal Data second), stores what it got and answers; if both
are down it answers from what it has and says how far that reaches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from market.analytics.auctions import DEFAULT_POLICY, AuctionPolicy, series_of
from market.auctions.flash import FlashOutcome, watch_for_result
from market.auctions.history import merge, shipped_records
from market.auctions.wi import WiFeed
from market.http import UpstreamError
from market.records import AuctionRecord, Kind
from market.sources.auction_fields import UNASSIGNED_CUSIP
from market.sources.fiscaldata import FiscalDataSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.store import RecordStore, StoredRecord

logger = logging.getLogger(__name__)

DATASET = "auctions"
# Don't ask the sources again within this long of the last attempt (a flash stores results itself).
QUIET_AFTER_REFRESH = timedelta(minutes=2)
# With no history for a family, a top-up reaches back far enough for six prior 52-week bills.
MAX_FETCH_DAYS = 200
# TreasuryDirect returns at most 250 auctions (about eight weeks of bills and coupons), so
# longer windows go to Fiscal Data first, and a full page from TreasuryDirect is topped up there.
TREASURYDIRECT_WINDOW_DAYS = 45
CALENDAR_DAYS = 14


def family(record: AuctionRecord) -> str:
    """Bills and coupons are shipped separately, so each has its own reach."""
    return "bills" if record.kind in (Kind.BILL, Kind.CMB) else "coupons"


def family_of_tenor(tenor: str) -> str:
    return "bills" if tenor.endswith(("w", "d")) and not tenor.endswith("y") else "coupons"


@dataclass(frozen=True)
class Calendar:
    """Auctions ahead of a date, and where the list came from."""

    records: tuple[AuctionRecord, ...]
    source: str
    note: str = ""


@dataclass(frozen=True)
class Refresh:
    """What a top-up from the live sources did."""

    fetched: int
    source: str | None
    error: str | None


class AuctionBook:
    """Shipped history merged with fetched results kept in the `RecordStore`."""

    def __init__(
        self,
        store: RecordStore,
        treasurydirect: TreasuryDirectSource | None = None,
        fiscaldata: FiscalDataSource | None = None,
        *,
        wi_feed: WiFeed | None = None,
        policy: AuctionPolicy = DEFAULT_POLICY,
        shipped: Callable[[], Sequence[AuctionRecord]] = shipped_records,
    ) -> None:
        self.store = store
        self.treasurydirect = treasurydirect
        self.fiscaldata = fiscaldata
        self.wi_feed = wi_feed
        self.policy = policy
        self._shipped = shipped

    @property
    def live(self) -> bool:
        return self.treasurydirect is not None or self.fiscaldata is not None

    def records(self) -> list[AuctionRecord]:
        """Every auction known, fetched values winning over shipped ones, oldest first."""
        return merge(self._stored(), self._shipped())

    def _stored(self) -> list[AuctionRecord]:
        """The auctions fetched and kept in the store."""
        return [AuctionRecord.from_values(row.values) for row in self.store.load(DATASET)]

    def reach(self, records: Sequence[AuctionRecord], which: str) -> date | None:
        """The latest auction date with results in `which` family."""
        dates = [r.auction_date for r in records if r.has_results and family(r) == which]
        return max(dates, default=None)

    def ensure(self, tenor: str, as_of: date, now: datetime) -> Refresh | None:
        """Top up from the live sources when `as_of` is past what the history reaches."""
        if not self.live:
            return None
        reach = self.reach(self.records(), family_of_tenor(tenor))
        if reach is not None and as_of <= reach:
            return None
        status = self.store.refresh_status(DATASET)
        if status is not None and now - status.attempted_at < QUIET_AFTER_REFRESH:
            return None
        start = as_of - timedelta(days=MAX_FETCH_DAYS)
        if reach is not None:
            start = max(start, reach + timedelta(days=1))
        return self.refresh(start, as_of, now)

    def refresh(self, start: date, end: date, now: datetime) -> Refresh:
        """Fetch auctions held from `start` to `end`, store them and note how it went.

        The next source is asked when one fails, finds nothing, or may have left
        some out; the refresh failed only if no source answered. Times are noted
        in UTC, as stores keep them.
        """
        errors: list[str] = []
        answered = False
        fetched_total = 0
        fetched_from: str | None = None
        order: list[TreasuryDirectSource | FiscalDataSource | None] = [self.treasurydirect, self.fiscaldata]
        if (end - start).days > TREASURYDIRECT_WINDOW_DAYS:
            order.reverse()
        for source in order:
            if source is None:
                continue
            try:
                if isinstance(source, TreasuryDirectSource):
                    fetched, complete = source.search_window(start, end)
                else:
                    fetched, complete = source.auctions(start, end), True
            except UpstreamError as error:
                logger.warning("auction refresh: %s", error)
                errors.append(str(error))
                continue
            answered = True
            if fetched:
                self.keep(fetched)
                fetched_total += len(fetched)
                fetched_from = fetched_from or source.name
                if complete:
                    break
        failure = None if answered else "; ".join(errors) or None
        self.store.note_refresh(DATASET, now.astimezone(UTC), failure)
        return Refresh(fetched_total, fetched_from, failure)

    def keep(self, records: Sequence[AuctionRecord]) -> None:
        """Store fetched records (a later fetch of the same auction replaces the earlier).

        A record without results never replaces a stored one with results: a
        source that lost its numbers (or answers before they post) must not
        erase a result already known.
        """
        with_results = {record.key for record in self._stored() if record.has_results}
        self.store.upsert(
            DATASET,
            [
                StoredRecord(r.key, r.auction_date, r.to_values())
                for r in records
                if r.cusip != UNASSIGNED_CUSIP and (r.has_results or r.key not in with_results)
            ],
        )

    def series(self, tenor: str, through: date) -> list[AuctionRecord]:
        """Completed full-size auctions of `tenor` up to `through`, oldest first."""
        return [r for r in series_of(self.records(), tenor) if r.auction_date <= through]

    def calendar(self, as_of: date, now: datetime) -> Calendar:
        """Auctions in the `CALENDAR_DAYS` after `as_of` (inclusive).

        For a past date the history says which notes and bonds were auctioned (two weeks of
        bills, seven or more a week, would bury them); for today the live calendar (TreasuryDirect
        `upcoming`, else Fiscal Data) is asked.
        """
        known = self.records()
        end = as_of + timedelta(days=CALENDAR_DAYS)
        reach = self.reach(known, "coupons")
        if (reach is not None and as_of < reach) or not self.live:
            ahead = _held_coupons(known, as_of, end)
            return Calendar(ahead, "auction history", "Replayed from the note and bond auctions held after that date.")
        errors = []
        for source in (self.treasurydirect, self.fiscaldata):
            if source is None:
                continue
            try:
                if isinstance(source, TreasuryDirectSource):
                    upcoming = source.upcoming()
                else:
                    upcoming = source.upcoming(as_of)
            except UpstreamError as error:
                errors.append(str(error))
                continue
            chosen = tuple(sorted((r for r in upcoming if r.auction_date >= as_of), key=_calendar_order))
            return Calendar(chosen, source.name)
        return Calendar(_held_coupons(known, as_of, end), "stored data", "; ".join(errors))

    def poll(self, auction: AuctionRecord) -> AuctionRecord | None:
        """The auction's record with results if they have posted (stored at once), else None.

        `UpstreamError` propagates: the flash watcher decides whether to keep trying,
        on its own schedule, so the sources' back-off does not delay a result.
        """
        fetched: list[AuctionRecord] = []
        if self.treasurydirect is not None:
            fetched = self.treasurydirect.search(auction.auction_date, auction.auction_date, bypass_backoff=True)
        elif self.fiscaldata is not None:
            fetched = self.fiscaldata.auctions(auction.auction_date, auction.auction_date, bypass_backoff=True)
        for record in fetched:
            if auction.cusip == UNASSIGNED_CUSIP:
                same = record.tenor == auction.tenor
            else:
                same = record.cusip == auction.cusip
            if same and record.has_results:
                self.keep([record])
                return record
        return None

    def watch(
        self,
        auction: AuctionRecord,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        interval_seconds: float | None = None,
        timeout: timedelta | None = None,
    ) -> FlashOutcome:
        """Watch `auction` from its close until its result prints or the desk's time-out passes.

        The poll interval and time-out default to the book's policy (the desk's settings).
        """
        return watch_for_result(
            auction,
            self.poll,
            clock=clock,
            sleep=sleep,
            interval_seconds=interval_seconds or self.policy.flash_poll_seconds,
            timeout=timeout or timedelta(minutes=self.policy.flash_timeout_minutes),
        )


def _held_coupons(known: Sequence[AuctionRecord], start: date, end: date) -> tuple[AuctionRecord, ...]:
    """The note and bond auctions on record from `start` to `end`."""
    return tuple(r for r in known if start <= r.auction_date <= end and family(r) == "coupons")


def _calendar_order(record: AuctionRecord) -> tuple[date, str]:
    return (record.auction_date, record.close_time.isoformat())
