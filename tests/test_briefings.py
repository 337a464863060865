"""Briefings for auctions that are announced but not yet held, and sections that say what is missing."""

from __future__ import annotations

from datetime import date, datetime

from commands.briefings import BriefingServices
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import Services
from market.auctions.book import AuctionBook
from market.auctions.history import shipped_records
from market.http import UpstreamClient
from market.sources.fiscaldata import FiscalDataSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.tz import DESK_TZ
from tests.harness.stores import sqlite_store
from tests.harness.upstream import RecordedUpstream

NOON = datetime(2024, 3, 19, 12, 0, tzinfo=DESK_TZ)


def test_a_briefing_for_an_announced_auction_comes_from_the_upcoming_calendar(tmp_path, upstream: RecordedUpstream):
    store = sqlite_store(tmp_path)
    before_march = [r for r in shipped_records() if r.auction_date < date(2024, 3, 1)]
    book = AuctionBook(
        store,
        TreasuryDirectSource(UpstreamClient("TreasuryDirect", upstream.base_url("treasurydirect"), max_attempts=1)),
        FiscalDataSource(UpstreamClient("Treasury Fiscal Data", upstream.base_url("fiscaldata"), max_attempts=1)),
        shipped=lambda: before_march,
    )
    registry = build_registry(Services(store=store, auctions=book, briefings=BriefingServices(auctions=book)))

    reply = answer("briefing 20y 2024-03-19", CommandContext(now=NOON), registry)

    assert reply.outcome is Outcome.OK
    assert reply.text.startswith("20-year auction today — closes 1:00 pm ET")
    assert "912810TZ1 · reopening · $13.0bn" in reply.text
    assert "_Yields: not available in this version._" in reply.text
    assert "_Stress gauge: not available in this version._" in reply.text
