"""Fetched auctions are stored (SQLite and PostgreSQL), merged with the shipped history and answered."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from importlib import resources

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.services import Services
from market.auctions.book import DATASET, Refresh
from market.auctions.history import TREASURYDIRECT_FILE
from tests.auction_support import live_book
from tests.harness.upstream import Scripted


def _ask(text: str, services: Services, now: datetime) -> str:
    return answer(text, CommandContext(now=now), build_registry(services)).text


def test_a_bill_auction_newer_than_the_shipped_history_is_fetched_stored_and_answered(database_url, upstream):
    store = SqlRecordStore(create_database(database_url))
    now = datetime(2026, 1, 30, 12, 0, tzinfo=DESK_TZ)

    text = _ask("auction 13w", Services(store, auctions=live_book(store, upstream)), now)

    assert text.startswith("13-week bill auction 2026-01-26: ")
    assert "high discount rate *3.580%* · high investment rate *3.663%* · bid-to-cover *2.90x*" in text
    # The six before it: three shipped (December 2025) and the three fetched with it.
    assert (
        "Source: Treasury Fiscal Data · auction 2026-01-26 · compared with the previous 6 13-week bill auctions "
        "(2025-12-15 … 2026-01-20;" in text
    )
    # The shipped bills reach 2025-12-31, so the top-up asks from the day after: TreasuryDirect first
    # (it has nothing for that month here), then Fiscal Data.
    assert [(r.source, r.path) for r in upstream.requests] == [
        ("treasurydirect", "/securities/search"),
        ("fiscaldata", "/v1/accounting/od/auctions_query"),
    ]
    assert upstream.requests[1].query["filter"] == "auction_date:gte:2026-01-01,auction_date:lte:2026-01-30"
    keys = {row.key for row in store.load(DATASET)}
    assert {"912797SN8/2026-01-26", "912797SL2/2026-01-05"} <= keys
    assert "912797ST5/2026-01-29" in keys  # the whole window up to the day asked is kept
    status = store.refresh_status(DATASET)
    assert status is not None and status.error is None

    # Later, with no source configured, the stored result still answers.
    offline = Services(store, auctions=live_book(store, None))
    assert _ask("auction 13w", offline, now) == text


def test_a_short_window_asks_treasurydirect_first_and_keeps_its_records(database_url, upstream):
    store = SqlRecordStore(create_database(database_url))
    book = live_book(store, upstream)
    now = datetime(2023, 11, 14, 18, 0, tzinfo=DESK_TZ)

    refresh = book.refresh(date(2023, 11, 9), date(2023, 11, 14), now)

    assert refresh == Refresh(fetched=3, source="TreasuryDirect", error=None)
    assert [r.source for r in upstream.requests] == ["treasurydirect"]
    assert {row.key for row in store.load(DATASET)} == {
        "912796ZN2/2023-11-14",
        "912797GN1/2023-11-13",
        "912810TV0/2023-11-09",
    }
    text = _ask("auction 13w", Services(store, auctions=book), now)
    # The fetched record (with the median and bidder classes) wins over the shipped one; the priors are shipped.
    assert text.startswith("13-week bill auction 2023-11-13: soft")
    assert "high discount rate *5.285%* · high investment rate *5.446%* · bid-to-cover *2.76x*" in text
    assert "High − median: +1.5 bp (discount rate; median 5.270%)." in text
    assert "Source: TreasuryDirect · auction 2023-11-13" in text
    assert len(upstream.requests) == 1  # the stored bills reach the day asked: no second fetch


def test_with_both_sources_down_it_answers_from_history_and_says_how_far_it_reaches(database_url, upstream):
    store = SqlRecordStore(create_database(database_url))
    upstream.fail_next("treasurydirect", 503)
    upstream.fail_next("fiscaldata", 503)
    now = datetime(2026, 2, 20, 14, 0, tzinfo=DESK_TZ)
    services = Services(store, auctions=live_book(store, upstream))

    text = _ask("auction 10y", services, now)

    assert text.startswith("10-year auction 2025-12-09: ")
    assert text.endswith(
        "Live sources unavailable (Treasury Fiscal Data is unavailable: it answered HTTP 503; "
        "TreasuryDirect is unavailable: it answered HTTP 503); "
        "answered from auctions on record through 2025-12-24."
    )
    status = store.refresh_status(DATASET)
    assert status is not None and status.succeeded_at is None and "HTTP 503" in (status.error or "")

    # Within the quiet period the sources are not asked again.
    asked = len(upstream.requests)
    _ask("auction 10y", services, now.replace(minute=1))
    assert len(upstream.requests) == asked


def test_a_date_the_shipped_history_covers_never_touches_the_network(database_url, upstream):
    store = SqlRecordStore(create_database(database_url))
    now = datetime(2025, 4, 11, 18, 0, tzinfo=DESK_TZ)
    services = Services(store, auctions=live_book(store, upstream))

    assert _ask("auction 10y", services, now).startswith("10-year auction 2025-04-09: strong")
    assert _ask("auction next", services, datetime(2025, 4, 7, 18, 0, tzinfo=DESK_TZ)).startswith(
        "Treasury auctions from 2025-04-07"
    )
    assert upstream.requests == []


def test_a_full_page_from_treasurydirect_is_topped_up_from_fiscal_data(database_url, upstream):
    # TreasuryDirect's answer holds 250 records, its maximum: some may be missing, so Fiscal Data is asked too.
    raw = gzip.decompress(resources.files("market").joinpath("data", "auctions", TREASURYDIRECT_FILE).read_bytes())
    upstream.script("treasurydirect", "/securities/search", Scripted(raw))
    store = SqlRecordStore(create_database(database_url))
    book = live_book(store, upstream)

    refresh = book.refresh(date(2024, 1, 1), date(2024, 2, 8), datetime(2024, 2, 8, 18, 0, tzinfo=DESK_TZ))

    assert [r.source for r in upstream.requests] == ["treasurydirect", "fiscaldata"]
    assert refresh.error is None
    assert "912810TX6/2024-02-08" in {row.key for row in store.load(DATASET)}
