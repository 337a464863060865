"""Briefings for auctions that are announced but not yet held, and sections that say what is missing."""

from __future__ import annotations

import time
from datetime import date, datetime

from bot.demo.slack_workspace import block_problem
from commands import blocks
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.services import BriefingServices, Services
from market.auctions.book import AuctionBook
from market.auctions.history import shipped_records
from market.http import UpstreamClient
from market.sources.fiscaldata import FiscalDataSource
from market.sources.treasurydirect import TreasuryDirectSource
from market.tz import DESK_TZ
from tests.harness.stores import sqlite_store
from tests.harness.upstream import RecordedUpstream

NOON = datetime(2024, 3, 19, 12, 0, tzinfo=DESK_TZ)


def _registry_with_history_before(tmp_path, upstream: RecordedUpstream, before: date = date(2024, 3, 1)):  # type: ignore[no-untyped-def]
    """The shipped history up to `before`, with later auctions only in the upcoming calendar."""
    store = sqlite_store(tmp_path)
    held = [r for r in shipped_records() if r.auction_date < before]
    book = AuctionBook(
        store,
        TreasuryDirectSource(UpstreamClient("TreasuryDirect", upstream.base_url("treasurydirect"), max_attempts=1)),
        FiscalDataSource(UpstreamClient("Treasury Fiscal Data", upstream.base_url("fiscaldata"), max_attempts=1)),
        shipped=lambda: held,
    )
    return build_registry(Services(store=store, auctions=book, briefings=BriefingServices(auctions=book)))


def test_a_briefing_for_an_announced_auction_comes_from_the_upcoming_calendar(tmp_path, upstream: RecordedUpstream):
    registry = _registry_with_history_before(tmp_path, upstream)

    reply = answer("briefing 20y 2024-03-19", CommandContext(now=NOON), registry)

    assert reply.outcome is Outcome.OK
    assert reply.text.startswith("20-year auction today — closes 1:00 pm ET")
    assert "912810TZ1 · reopening · $13.0bn" in reply.text
    assert "_Yields: not available in this version._" in reply.text
    assert "_Stress gauge: not available in this version._" in reply.text


def test_a_flash_asked_for_before_the_result_answers_at_once_with_how_to_get_it(tmp_path, upstream: RecordedUpstream):
    registry = _registry_with_history_before(tmp_path, upstream)
    started = time.monotonic()

    reply = answer("flash 20y 2024-03-19", CommandContext(now=NOON, user_id="U0TRADER"), registry)

    assert time.monotonic() - started < 10  # no watching until the 1:00 pm close
    assert reply.outcome is Outcome.OK
    assert reply.text.startswith(":hourglass_flowing_sand: The 20y auction of 2024-03-19, competitive close 1:00 pm ET")
    assert "has no result yet. `/deskbot subscribe here flash` posts the flash here the moment it prints" in reply.text


def test_a_flash_asked_for_before_the_close_does_not_show_the_result_yet(tmp_path, upstream: RecordedUpstream):
    registry = _registry_with_history_before(tmp_path, upstream, before=date(2026, 1, 1))
    morning = datetime(2025, 4, 9, 11, 0, tzinfo=DESK_TZ)
    after_close = datetime(2025, 4, 9, 13, 5, tzinfo=DESK_TZ)

    early = answer("flash 10y 2025-04-09", CommandContext(now=morning, user_id="U0TRADER"), registry)
    printed = answer("flash 10y 2025-04-09", CommandContext(now=after_close, user_id="U0TRADER"), registry)

    assert early.text.startswith(":hourglass_flowing_sand: The 10y auction of 2025-04-09") and "4.435" not in early.text
    assert "4.435%" in printed.text


def test_a_briefing_shows_the_last_six_auctions_as_a_table_with_the_figures_right_aligned(tmp_path, upstream):
    registry = _registry_with_history_before(tmp_path, upstream, before=date(2025, 4, 10))

    reply = answer("briefing 10y 2025-04-09", CommandContext(now=datetime(2025, 4, 9, 12, 0, tzinfo=DESK_TZ)), registry)

    tables = [block for block in reply.blocks if block["type"] == "table"]
    assert len(tables) == 1
    rows = blocks.table_cells(tables[0])
    assert rows[0] == ["date", "high", "cover", "dealers", "indir."]
    assert [row[0] for row in rows[1:]] == [
        "2024-10-09", "2024-11-05", "2024-12-11", "2025-01-07", "2025-02-12", "2025-03-12"
    ]  # fmt: skip
    assert rows[-1] == ["2025-03-12", "4.310%", "2.59x", "13.1%", "67.4%"]
    assert [setting.get("align") for setting in tables[0]["column_settings"]] == [None, *["right"] * 4]
    assert block_problem(list(reply.blocks)) is None
    assert "2025-03-12  4.310%  2.59x    13.1%   67.4%" in reply.text  # the fallback keeps the monospace table
