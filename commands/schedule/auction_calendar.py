"""The auction calendar the scheduler plans from: held auctions from the history, then the live calendar."""

from __future__ import annotations

from datetime import date, datetime

from commands.schedule.model import ScheduledAuction
from market.auctions.book import AuctionBook
from market.auctions.flash import close_of
from market.records import AuctionRecord, describe_tenor
from market.tz import DESK_TZ


class BookCalendar:
    """`AuctionCalendar` over the auction book (history plus announced/upcoming)."""

    def __init__(self, book: AuctionBook) -> None:
        self._book = book

    def scheduled(self, start: date, end: date, now: datetime) -> list[ScheduledAuction]:
        records = [r for r in self._book.records() if start <= r.auction_date <= end]
        today = now.astimezone(DESK_TZ).date()
        if end >= today:
            records += [r for r in self._book.calendar(max(start, today), now).records if r.auction_date <= end]
        found: dict[tuple[str, date], ScheduledAuction] = {}
        for record in records:
            if record.is_small_value:
                continue
            found.setdefault((record.tenor, record.auction_date), _scheduled(record))
        return sorted(found.values(), key=lambda a: (a.closes_at, a.tenor))


def _scheduled(record: AuctionRecord) -> ScheduledAuction:
    kind = "reopening" if record.reopening else "new issue"
    return ScheduledAuction(
        tenor=record.tenor,
        security=f"{describe_tenor(record.tenor)} ({kind})",
        auction_date=record.auction_date,
        closes_at=close_of(record),
        cusip=record.cusip or None,
    )
