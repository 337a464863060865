"""Who may change what the bot posts, and what /deskbot schedule shows (rights checked with Slack each time)."""

from __future__ import annotations

from datetime import datetime

import pytest
from slack_sdk import WebClient

from bot.demo.slack_workspace import SlackStandIn
from bot.slack_access import SlackAccess
from bot.storage.database import create_database
from bot.storage.subscriptions import SqlSubscriptionStore
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.reply import Outcome
from commands.schedule.auction_calendar import BookCalendar
from commands.schedule.model import Feed
from commands.services import ScheduleServices, Services
from market.auctions.book import AuctionBook
from market.tz import DESK_TZ

MONDAY_MORNING = datetime(2025, 4, 7, 9, 0, tzinfo=DESK_TZ)


@pytest.fixture
def setup(database_url: str, slack: SlackStandIn):  # type: ignore[no-untyped-def]
    sessions = create_database(database_url)
    store = SqlSubscriptionStore(sessions)
    from bot.storage.market_store import SqlRecordStore

    records = SqlRecordStore(sessions)
    access = SlackAccess(WebClient(token=slack.token, base_url=slack.api_url), admins=["U0CONFIGURED"])
    schedule = ScheduleServices(store=store, slack=access, calendar=BookCalendar(AuctionBook(records)))
    return store, build_registry(Services(store=records, schedule=schedule))


def ask(registry, text: str, user: str = "U0ADMIN", channel: str = "C0DESK"):  # type: ignore[no-untyped-def]
    return answer(text, CommandContext(now=MONDAY_MORNING, user_id=user, channel_id=channel), registry)


def test_an_admin_subscribes_a_channel_and_sees_the_week_ahead(setup, slack):
    store, registry = setup

    reply = ask(registry, "subscribe <#C0AUCTIONS|auctions> briefings flash tenors=10y,30y lead=90m")

    assert reply.outcome is Outcome.OK
    assert "<#C0AUCTIONS> now gets briefings, flash (tenors 10y, 30y; briefings 90 min before the close)" in reply.text
    assert {(s.channel_id, s.feed, s.tenors, s.lead_minutes) for s in store.all()} == {
        ("C0AUCTIONS", Feed.BRIEFINGS, ("10y", "30y"), 90),
        ("C0AUCTIONS", Feed.FLASH, ("10y", "30y"), 90),
    }
    schedule = ask(registry, "schedule", user="U0TRADER").text
    assert (
        "Tue 2025-04-08 16:00 ET · <#C0AUCTIONS> · T-1 preview: 10-year (reopening) auction of 2025-04-09" in schedule
    )
    assert "Wed 2025-04-09 11:30 ET · <#C0AUCTIONS> · Pre-auction briefing: 10-year (reopening), closes 13:00 ET" in (
        schedule
    )
    assert "Thu 2025-04-10 13:00 ET · <#C0AUCTIONS> · Result flash: 30-year (reopening)" in schedule
    assert "3-year" not in schedule  # not a subscribed tenor


def test_a_configured_admin_may_subscribe_too(setup):
    store, registry = setup

    assert ask(registry, "subscribe here daily", user="U0CONFIGURED").outcome is Outcome.OK
    assert [s.feed for s in store.all()] == [Feed.DAILY]


def test_a_desk_member_who_is_not_an_admin_is_refused_and_nothing_changes(setup, slack):
    store, registry = setup
    ask(registry, "subscribe here daily")

    refused = ask(registry, "unsubscribe here daily", user="U0TRADER")
    also_refused = ask(registry, "subscribe here alerts", user="U0TRADER")

    assert refused.outcome is Outcome.USAGE_ERROR
    assert "Only deskbot admins" in refused.text and "Nothing was changed." in refused.text
    assert also_refused.outcome is Outcome.USAGE_ERROR
    assert [s.feed for s in store.all()] == [Feed.DAILY]
    # Rights come from Slack on every call: three changes, three users.info lookups.
    assert len(slack.calls_to("users.info")) == 3


def test_rights_are_checked_again_when_an_admin_is_demoted(setup, slack):
    store, registry = setup
    assert ask(registry, "subscribe here daily").outcome is Outcome.OK

    slack.admins.discard("U0ADMIN")

    assert ask(registry, "unsubscribe here daily").outcome is Outcome.USAGE_ERROR
    assert len(store.all()) == 1
    assert len(slack.calls_to("users.info")) == 2  # asked again, not remembered


def test_rights_are_checked_again_when_a_member_is_promoted(setup, slack):
    store, registry = setup
    assert ask(registry, "subscribe here daily", user="U0TRADER").outcome is Outcome.USAGE_ERROR

    slack.admins.add("U0TRADER")

    assert ask(registry, "subscribe here daily", user="U0TRADER").outcome is Outcome.OK
    assert [s.feed for s in store.all()] == [Feed.DAILY]


def test_a_channel_the_bot_is_not_in_gets_the_invite_hint(setup):
    store, registry = setup

    reply = ask(registry, "subscribe <#C0QUIET|managers> daily")

    assert "I'm not a member of <#C0QUIET>: invite me with `/invite @deskbot` there" in reply.text
    assert store.all() == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subscribe here", "Say what to subscribe to: briefings|flash|daily|weekly|alerts."),
        ("subscribe here podcasts", "`podcasts` is not a feed"),
        ("subscribe #rates-desk daily", "`#rates-desk` is not a channel I can read"),
        ("subscribe here briefings tenors=", "`tenors=` takes a list like 10y,30y,tips10y"),
        ("subscribe here briefings tenors=banana", "`tenors=` takes a list like 10y,30y,tips10y"),
        ("subscribe here briefings lead=soon", "`lead=` takes minutes or hours"),
        ("subscribe here briefings lead=0m", "`lead=` must be between 1 minute and 24 hours"),
        ("subscribe here briefings when=now", "`when=now` is not something I understand here."),
        ("unsubscribe here", "Say what to subscribe to"),
    ],
)
def test_malformed_subscription_commands_get_usage_and_change_nothing(setup, text, message):
    store, registry = setup

    reply = ask(registry, text)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "Usage: `/deskbot " in reply.text
    assert store.all() == []
