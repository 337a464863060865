"""The composition root builds the auction book from settings: sources, thresholds, WI feed."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.config import ConfigError, load_settings
from bot.wiring import wire
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer

AUCTION_VARIABLES = (
    "DESKBOT_DEALER_FLAG_PCT",
    "DESKBOT_TAIL_FLAG_BP",
    "DESKBOT_FLASH_POLL_SECONDS",
    "DESKBOT_FLASH_TIMEOUT_MINUTES",
    "DESKBOT_WI_FEED_URL",
    "DESKBOT_DATABASE_URL",
)


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    for name in AUCTION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DESKBOT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)


def test_defaults_flag_dealers_at_40_percent_and_tails_at_2_bp():
    book = wire(load_settings(env_file=None)).services.auctions
    assert book is not None
    assert (book.policy.dealer_flag_pct, book.policy.tail_flag_bp) == (40.0, 2.0)
    assert (book.policy.flash_poll_seconds, book.policy.flash_timeout_minutes) == (1.0, 30.0)
    assert book.treasurydirect is not None and book.fiscaldata is not None
    assert book.wi_feed is None


def test_the_desk_sets_its_own_thresholds_and_wi_feed(monkeypatch, tmp_path):
    feed = tmp_path / "wi.csv"
    feed.write_text("tenor,wi_yield,as_of\n30y,4.80,2025-04-10T12:58\n")
    monkeypatch.setenv("DESKBOT_DEALER_FLAG_PCT", "12")
    monkeypatch.setenv("DESKBOT_WI_FEED_URL", str(feed))
    monkeypatch.setenv("DESKBOT_FLASH_POLL_SECONDS", "2.5")
    wired = wire(load_settings(env_file=None))

    now = datetime(2025, 4, 11, 18, 0, tzinfo=DESK_TZ)
    text = answer("auction 30y", CommandContext(now=now), wired.registry).text
    # The desk's 12% line applies (the 30y's dealers reach it often, so it is heavy, not a failure).
    assert "Dealers took 12.3% of competitive accepted (≥ 12%): heavy, but no failure for a 30-year" in text
    assert "Tail vs WI: *+1.3 bp* (tailed; WI 4.800% from the desk feed)." in text
    assert wired.services.auctions is not None and wired.services.auctions.policy.flash_poll_seconds == 2.5


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DESKBOT_DEALER_FLAG_PCT", "140", "DESKBOT_DEALER_FLAG_PCT: input should be less than or equal to 100"),
        ("DESKBOT_DEALER_FLAG_PCT", "forty", "DESKBOT_DEALER_FLAG_PCT: input should be a valid number"),
        ("DESKBOT_FLASH_POLL_SECONDS", "0", "DESKBOT_FLASH_POLL_SECONDS: input should be greater than 0"),
    ],
)
def test_a_malformed_auction_setting_is_named(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=None)
    assert str(raised.value).startswith(expected)
