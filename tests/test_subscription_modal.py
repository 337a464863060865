"""The subscription form: built from a channel's subscriptions, read back with an error per field, and through Bolt."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.delivery import SlackDelivery
from bot.demo.slack_workspace import RESPONSE_URL, TRIGGER_PREFIX, SlackStandIn, block_problem, modal_problem
from bot.slack_access import SlackAccess
from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from bot.storage.subscriptions import SqlSubscriptionStore
from bot.subscription_modal import NOT_ADMIN, deliver_reply, open_modal, register_subscription_modal
from commands.auctions import parse_tenor
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.home import MANAGE_ACTION_ID
from commands.reply import Outcome, Reply
from commands.schedule.model import DEFAULT_TENORS, Feed, Subscription
from commands.services import ScheduleServices, Services
from commands.subscription_form import (
    CALLBACK_ID,
    CHANNEL_ACTION,
    CHANNEL_BLOCK,
    FORM_TENORS,
    FormChoice,
    FormOrigin,
    form_changes,
    read_submission,
    subscription_view,
)
from market.tz import DESK_TZ
from tests.harness.signing import signed_headers

SIGNING_SECRET = "subscription-form-signing-secret"
MONDAY_MORNING = datetime(2025, 4, 7, 9, 0, tzinfo=DESK_TZ)
ADMIN, TRADER = "U0ADMIN", "U0TRADER"
AUCTIONS = (
    Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("10y", "30y"), 90),
    Subscription("C0AUCTIONS", Feed.FLASH, ("10y", "30y"), 90),
    Subscription("C0MANAGERS", Feed.DAILY),
)


def assert_valid_modal(view: dict[str, Any]) -> None:
    """Valid as slack_sdk's models and the stand-in (as strict as Slack) see it."""
    assert view["type"] == "modal" and view["callback_id"] == CALLBACK_ID
    View(**view).validate_json()
    assert block_problem(view["blocks"], max_blocks=100) is None
    assert modal_problem(view) is None


def block(view: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The input block whose id is `prefix` or starts with `prefix.`."""
    found = [b for b in view["blocks"] if b.get("block_id", "").split(".")[0] == prefix]
    assert len(found) == 1, [b.get("block_id") for b in view["blocks"]]
    return found[0]


def initial_values(view: dict[str, Any], prefix: str) -> list[str]:
    return [option["value"] for option in block(view, prefix)["element"].get("initial_options", [])]


def submitted(
    view: dict[str, Any],
    channel: str | None,
    feeds: list[str],
    tenors: list[str] | None = None,
    lead: str | None = "60",
) -> dict[str, Any]:
    """The view as Slack sends it on submission: its blocks, metadata and `state.values` under its block ids."""
    option = {"text": {"type": "plain_text", "text": "x"}}
    values = {
        block(view, CHANNEL_BLOCK)["block_id"]: {
            CHANNEL_ACTION: {"type": "conversations_select", "selected_conversation": channel}
        },
        block(view, "subscribe_feeds")["block_id"]: {
            "subscribe_feeds": {"type": "checkboxes", "selected_options": [{**option, "value": f} for f in feeds]}
        },
        block(view, "subscribe_tenors")["block_id"]: {
            "subscribe_tenors": {
                "type": "multi_static_select",
                "selected_options": [{**option, "value": t} for t in (tenors or [])],
            }
        },
        block(view, "subscribe_lead")["block_id"]: {"subscribe_lead": {"type": "number_input", "value": lead}},
    }
    return {
        "id": "V0FORM",
        "hash": "1.1",
        **view,
        "state": {"values": values},
    }


# ---- the form, pure ---------------------------------------------------------------------------------


def test_the_form_for_a_channel_is_filled_with_what_it_gets_now():
    view = subscription_view(list(AUCTIONS), "C0AUCTIONS", from_conversation=True)

    assert_valid_modal(view)
    assert view["title"]["text"] == "Scheduled posts"
    picker = block(view, CHANNEL_BLOCK)
    assert picker["dispatch_action"] is True
    assert picker["element"]["type"] == "conversations_select"
    assert picker["element"]["initial_conversation"] == "C0AUCTIONS"
    assert picker["element"]["default_to_current_conversation"] is True
    assert picker["element"]["filter"] == {"include": ["public", "private"], "exclude_bot_users": True}
    assert initial_values(view, "subscribe_feeds") == ["briefings", "flash"]
    assert initial_values(view, "subscribe_tenors") == ["10y", "30y"]
    assert block(view, "subscribe_lead")["element"]["initial_value"] == "90"
    assert block(view, "subscribe_feeds")["block_id"] == "subscribe_feeds.C0AUCTIONS"
    now_line = view["blocks"][2]["elements"][0]["text"]
    assert now_line == "<#C0AUCTIONS> gets now: briefings (10y, 30y; 90 min before the close), flash (10y, 30y)."
    assert FormOrigin.from_metadata(view["private_metadata"]) == FormOrigin("/deskbot", "C0AUCTIONS")


def test_a_channel_without_subscriptions_starts_from_the_typed_defaults():
    view = subscription_view(list(AUCTIONS), "C0DESK")

    assert_valid_modal(view)
    assert initial_values(view, "subscribe_feeds") == []
    assert initial_values(view, "subscribe_tenors") == list(DEFAULT_TENORS)
    assert block(view, "subscribe_lead")["element"]["initial_value"] == "60"
    assert "default_to_current_conversation" not in block(view, CHANNEL_BLOCK)["element"]
    assert view["blocks"][2]["elements"][0]["text"] == "<#C0DESK> gets no scheduled posts yet."


def test_from_the_home_tab_or_a_direct_message_no_channel_is_picked():
    for view in (subscription_view(list(AUCTIONS), None), subscription_view(list(AUCTIONS), "D0DESKBOT")):
        assert_valid_modal(view)
        assert "initial_conversation" not in block(view, CHANNEL_BLOCK)["element"]
        assert block(view, "subscribe_feeds")["block_id"] == "subscribe_feeds.none"
        assert view["blocks"][2]["elements"][0]["text"] == "Pick a channel to see what it gets now."


def test_briefings_and_flash_with_different_tenors_are_said_to_become_one_setting():
    view = subscription_view(
        [Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("10y",)), Subscription("C0AUCTIONS", Feed.FLASH, ("2y", "cmb6w"))],
        "C0AUCTIONS",
    )

    assert_valid_modal(view)
    assert initial_values(view, "subscribe_tenors") == ["10y"]  # briefings' tenors lead
    assert "saving gives both the tenors chosen here" in view["blocks"][2]["elements"][0]["text"]


def test_the_tenors_offered_are_those_treasury_auctions_named_as_the_auctions_are():
    view = subscription_view([], "C0DESK")
    groups = block(view, "subscribe_tenors")["element"]["option_groups"]

    assert [group["label"]["text"] for group in groups] == ["Notes and bonds", "TIPS", "Floating rate notes", "Bills"]
    assert [o["value"] for o in groups[0]["options"]] == ["2y", "3y", "5y", "7y", "10y", "20y", "30y"]
    assert [o["value"] for o in groups[3]["options"]] == ["4w", "6w", "8w", "13w", "17w", "26w", "52w"]
    assert groups[1]["options"][1]["text"]["text"] == "tips10y — 10-year TIPS"
    assert all(parse_tenor(tenor) == tenor for tenor in FORM_TENORS)  # what `tenors=` accepts and briefings match
    assert "1.5m" not in FORM_TENORS  # a par-curve point, not an auction


def test_a_valid_submission_reads_back_as_the_typed_command_would_store_it():
    view = subscription_view(list(AUCTIONS), "C0AUCTIONS")

    choice = read_submission(submitted(view, "C0AUCTIONS", ["flash", "briefings"], ["30y", "tips10y", "10y"], "45"))

    assert choice == FormChoice(
        "C0AUCTIONS", (Feed.BRIEFINGS, Feed.FLASH), ("10y", "30y", "tips10y"), 45, FormOrigin("/deskbot", "C0AUCTIONS")
    )


def test_feeds_without_tenors_need_neither_tenors_nor_a_lead():
    view = subscription_view([], "C0MANAGERS")

    choice = read_submission(submitted(view, "C0MANAGERS", ["daily", "weekly"], [], None))

    assert isinstance(choice, FormChoice)
    assert (choice.feeds, choice.tenors) == ((Feed.DAILY, Feed.WEEKLY), DEFAULT_TENORS)


@pytest.mark.parametrize(
    ("channel", "feeds", "tenors", "lead", "field", "message"),
    [
        (None, ["daily"], [], "60", "subscribe_channel", "Pick the channel to post in."),
        ("D0DESKBOT", ["daily"], [], "60", "subscribe_channel", "Pick a channel: direct messages cannot get"),
        ("C0DESK", [], ["10y"], "60", "subscribe_feeds.C0DESK", "Tick at least one feed."),
        (
            "C0DESK",
            ["flash"],
            [],
            "60",
            "subscribe_tenors.C0DESK",
            "Pick at least one tenor: briefings and flash post per auction.",
        ),
        ("C0DESK", ["briefings"], ["99y"], "60", "subscribe_tenors.C0DESK", "99y is not a tenor Treasury auctions."),
        ("C0DESK", ["briefings"], ["10y"], "0", "subscribe_lead.C0DESK", "Between 1 and 1440 minutes (24 hours)."),
        ("C0DESK", ["briefings"], ["10y"], "1441", "subscribe_lead.C0DESK", "Between 1 and 1440 minutes (24 hours)."),
        ("C0DESK", ["briefings"], ["10y"], "7.5", "subscribe_lead.C0DESK", "Whole minutes, e.g. 60."),
        ("C0DESK", ["briefings"], ["10y"], None, "subscribe_lead.C0DESK", "Say how many minutes before the close"),
        ("C0DESK", ["hourly"], [], "60", "subscribe_feeds.C0DESK", "hourly is not a feed."),
    ],
)
def test_each_mistake_is_shown_on_its_field(channel, feeds, tenors, lead, field, message):
    view = subscription_view([], "C0DESK")

    errors = read_submission(submitted(view, channel, feeds, tenors, lead))

    assert isinstance(errors, dict)
    assert list(errors) == [field]
    assert errors[field].startswith(message)


def test_several_mistakes_are_shown_together():
    view = subscription_view([], None)

    errors = read_submission(submitted(view, None, [], [], None))

    assert errors == {
        "subscribe_channel": "Pick the channel to post in.",
        "subscribe_feeds.none": "Tick at least one feed.",
    }


def test_saving_sets_the_channel_to_what_is_ticked_with_the_typed_wording():
    shown = FormOrigin("/deskbot", "C0AUCTIONS")
    choice = FormChoice("C0AUCTIONS", (Feed.BRIEFINGS,), ("10y",), 30, shown)

    changes = form_changes(choice, list(AUCTIONS), ADMIN)

    assert changes.put == (Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("10y",), 30, created_by=ADMIN),)
    assert changes.stop == (Feed.FLASH,)
    assert changes.text == (
        ":white_check_mark: <#C0AUCTIONS> now gets briefings (tenors 10y; briefings 30 min before the close). "
        "See `/deskbot schedule`.\n:white_check_mark: <#C0AUCTIONS> no longer gets flash."
    )
    # Filled for another channel (its refresh never came): nothing is stopped.
    other = form_changes(FormChoice("C0AUCTIONS", (Feed.BRIEFINGS,), ("10y",), 30, FormOrigin()), list(AUCTIONS), ADMIN)
    assert other.stop == ()


# ---- the command ----------------------------------------------------------------------------------


@pytest.fixture
def schedule(tmp_path, slack: SlackStandIn) -> Iterator[tuple[Services, SqlSubscriptionStore, WebClient]]:
    sessions = create_database(f"sqlite:///{tmp_path / 'deskbot.sqlite3'}")
    store = SqlSubscriptionStore(sessions)
    for subscription in AUCTIONS:
        store.put(subscription)
    client = WebClient(token=slack.token, base_url=slack.api_url)
    services = Services(SqlRecordStore(sessions), schedule=ScheduleServices(store=store, slack=SlackAccess(client)))
    yield services, store, client


def ask(services: Services, text: str, user: str = ADMIN, channel: str = "C0AUCTIONS") -> Reply:
    ctx = CommandContext(now=MONDAY_MORNING, user_id=user, channel_id=channel)
    return answer(text, ctx, build_registry(services))


def test_subscribe_alone_asks_for_the_form_filled_for_the_channel_it_was_typed_in(schedule):
    services, _store, _client = schedule

    reply = ask(services, "subscribe")

    assert reply.outcome is Outcome.OK and reply.modal is not None
    assert_valid_modal(reply.modal)
    assert block(reply.modal, CHANNEL_BLOCK)["element"]["initial_conversation"] == "C0AUCTIONS"
    assert initial_values(reply.modal, "subscribe_feeds") == ["briefings", "flash"]
    assert reply.text.startswith(":memo: The subscription form did not open")
    in_a_dm = ask(services, "subscribe", channel="D0DESKBOT")
    assert in_a_dm.modal is not None and "initial_conversation" not in block(in_a_dm.modal, CHANNEL_BLOCK)["element"]


def test_a_non_admin_gets_the_typed_refusal_not_the_form(schedule):
    services, _store, _client = schedule

    reply = ask(services, "subscribe", user=TRADER)

    assert reply.modal is None and reply.outcome is Outcome.USAGE_ERROR
    assert "Only deskbot admins" in reply.text


def test_the_typed_syntax_is_unchanged_and_without_slack_subscribe_alone_is_a_usage_error(schedule, tmp_path):
    services, store, _client = schedule

    reply = ask(services, "subscribe here daily weekly")

    assert reply.modal is None
    assert reply.text.startswith(":white_check_mark: <#C0AUCTIONS> now gets daily, weekly (tenors 10y, 20y, 30y;")
    assert {s.feed for s in store.all() if s.channel_id == "C0AUCTIONS"} == {
        Feed.BRIEFINGS,
        Feed.FLASH,
        Feed.DAILY,
        Feed.WEEKLY,
    }
    without_slack = Services(services.store, schedule=ScheduleServices(store=store))
    usage = ask(without_slack, "subscribe")
    assert usage.modal is None and usage.outcome is Outcome.USAGE_ERROR
    assert "Say what to subscribe to" in usage.text


def test_the_bot_opens_the_form_with_the_commands_trigger_or_answers_in_text(schedule, slack):
    services, _store, client = schedule
    reply = ask(services, "subscribe")
    delivery = SlackDelivery(client)
    command = {"trigger_id": f"{TRIGGER_PREFIX}1.abc", "response_url": slack.response_url("form")}

    assert deliver_reply(client, delivery, command, reply, "C0AUCTIONS", ADMIN)
    assert [call.params["trigger_id"] for call in slack.calls_to("views.open")] == [command["trigger_id"]]
    assert slack.opened_views == [reply.modal]
    assert slack.calls_to(RESPONSE_URL) == []

    # The same trigger again (or one past its 3 seconds): Slack will not open it, so the text goes instead.
    assert deliver_reply(client, delivery, command, reply, "C0AUCTIONS", ADMIN)
    answered = slack.calls_to(RESPONSE_URL, key="form")
    assert len(answered) == 1 and answered[0].params["text"].startswith(":memo: The subscription form did not open")
    assert not open_modal(None, command["trigger_id"], reply.modal)
    assert not open_modal(client, None, reply.modal)


# ---- through Bolt, against the Slack stand-in ---------------------------------------------------------


def interactive(payload: dict[str, Any]) -> BoltRequest:
    """A signed interactive request, as Slack posts it: a form with `payload=<json>`."""
    body = urlencode({"payload": json.dumps(payload)})
    return BoltRequest(body=body, headers=signed_headers(SIGNING_SECRET, body.encode()))


def bolt_app(services: Services, client: WebClient) -> App:
    app = App(client=client, signing_secret=SIGNING_SECRET, process_before_response=True)
    assert services.schedule is not None
    register_subscription_modal(app, services, services.schedule.slack)
    return app


def manage_clicked(user: str, trigger_id: str) -> BoltRequest:
    return interactive(
        {
            "type": "block_actions",
            "team": {"id": "T0DESK", "domain": "rates-desk"},
            "user": {"id": user, "team_id": "T0DESK"},
            "api_app_id": "A0DESKBOT",
            "trigger_id": trigger_id,
            "container": {"type": "view", "view_id": "V0HOME"},
            "view": {"id": "V0HOME", "type": "home", "blocks": [], "state": {"values": {}}, "hash": "1.1"},
            "actions": [{"type": "button", "action_id": MANAGE_ACTION_ID, "block_id": "b1", "value": "subscriptions"}],
        }
    )


def submission(user: str, view: dict[str, Any]) -> BoltRequest:
    return interactive(
        {
            "type": "view_submission",
            "team": {"id": "T0DESK", "domain": "rates-desk"},
            "user": {"id": user, "team_id": "T0DESK"},
            "api_app_id": "A0DESKBOT",
            "trigger_id": f"{TRIGGER_PREFIX}9.submit",
            "view": view,
        }
    )


def test_the_home_tabs_manage_button_opens_the_form_with_its_trigger(schedule, slack):
    services, _store, client = schedule
    app = bolt_app(services, client)
    trigger = slack.issue_trigger_id()

    started = time.monotonic()
    response = app.dispatch(manage_clicked(ADMIN, trigger))

    assert response.status == 200 and time.monotonic() - started < 1.0
    opened = slack.wait_for("views.open", timeout=10)
    assert opened[0].params["trigger_id"] == trigger
    view = slack.opened_views[0]
    assert_valid_modal(view)
    assert "initial_conversation" not in block(view, CHANNEL_BLOCK)["element"]


def test_picking_a_channel_refills_the_form_with_its_subscriptions(schedule, slack):
    services, _store, client = schedule
    app = bolt_app(services, client)
    app.dispatch(manage_clicked(ADMIN, slack.issue_trigger_id()))
    slack.wait_for("views.open", timeout=10)
    ((view_id, shown),) = slack.views.items()
    picked = submitted(shown, "C0AUCTIONS", [], [], "60")

    response = app.dispatch(
        interactive(
            {
                "type": "block_actions",
                "team": {"id": "T0DESK"},
                "user": {"id": ADMIN},
                "api_app_id": "A0DESKBOT",
                "trigger_id": slack.issue_trigger_id(),
                "container": {"type": "view", "view_id": view_id},
                "view": {**picked, "id": view_id, "hash": shown["hash"]},
                "actions": [
                    {
                        "type": "conversations_select",
                        "action_id": CHANNEL_ACTION,
                        "block_id": CHANNEL_BLOCK,
                        "selected_conversation": "C0AUCTIONS",
                    }
                ],
            }
        )
    )

    assert response.status == 200
    updated = slack.wait_for("views.update", timeout=10)
    assert updated[0].params["view_id"] == view_id and updated[0].params["hash"] == shown["hash"]
    refilled = slack.views[view_id]
    assert_valid_modal({key: refilled[key] for key in ("type", "callback_id", "title", "submit", "close", "blocks")})
    assert initial_values(refilled, "subscribe_feeds") == ["briefings", "flash"]
    assert block(refilled, "subscribe_feeds")["block_id"] == "subscribe_feeds.C0AUCTIONS"
    assert FormOrigin.from_metadata(refilled["private_metadata"]).shown_for == "C0AUCTIONS"


def test_a_mistake_keeps_the_form_open_with_the_message_on_its_field(schedule, slack):
    services, store, client = schedule
    app = bolt_app(services, client)
    before = store.all()
    view = subscription_view(store.all(), "C0DESK")

    response = app.dispatch(submission(ADMIN, submitted(view, "C0DESK", ["briefings"], [], "60")))

    assert response.status == 200
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"subscribe_tenors.C0DESK": "Pick at least one tenor: briefings and flash post per auction."},
    }
    assert store.all() == before


def test_an_admins_submission_is_stored_and_confirmed_in_the_typed_words(database_url, slack):
    sessions = create_database(database_url)
    store = SqlSubscriptionStore(sessions)
    store.put(Subscription("C0AUCTIONS", Feed.FLASH, ("10y",)))
    client = WebClient(token=slack.token, base_url=slack.api_url)
    services = Services(SqlRecordStore(sessions), schedule=ScheduleServices(store=store, slack=SlackAccess(client)))
    app = bolt_app(services, client)
    view = subscription_view(store.all(), "C0AUCTIONS")

    response = app.dispatch(
        submission(ADMIN, submitted(view, "C0AUCTIONS", ["briefings", "daily"], ["10y", "20y", "30y", "13w"], "45"))
    )

    assert response.status == 200 and response.body == ""  # the modal closes
    assert {(s.channel_id, s.feed, s.tenors, s.lead_minutes, s.created_by) for s in store.all()} == {
        ("C0AUCTIONS", Feed.BRIEFINGS, ("10y", "20y", "30y", "13w"), 45, ADMIN),
        ("C0AUCTIONS", Feed.DAILY, ("10y", "20y", "30y", "13w"), 45, ADMIN),
    }  # flash, shown ticked and unticked, is stopped
    confirmed = slack.wait_for("chat.postEphemeral", timeout=10)[0].params
    assert (confirmed["channel"], confirmed["user"]) == ("C0AUCTIONS", ADMIN)
    assert confirmed["text"] == (
        ":white_check_mark: <#C0AUCTIONS> now gets briefings, daily (tenors 10y, 20y, 30y, 13w; briefings 45 min "
        "before the close). See `/deskbot schedule`.\n:white_check_mark: <#C0AUCTIONS> no longer gets flash."
    )
    assert [call.params["user"] for call in slack.calls_to("users.info")] == [ADMIN]  # rights checked with Slack
    assert [call.params["channel"] for call in slack.calls_to("conversations.info")] == ["C0AUCTIONS"]


def test_a_non_admins_submission_is_refused_on_the_form_and_nothing_is_stored(schedule, slack):
    services, store, client = schedule
    app = bolt_app(services, client)
    before = store.all()
    view = subscription_view(store.all(), "C0DESK")

    response = app.dispatch(submission(TRADER, submitted(view, "C0DESK", ["alerts"])))

    assert json.loads(response.body) == {"response_action": "errors", "errors": {CHANNEL_BLOCK: NOT_ADMIN}}
    assert store.all() == before
    time.sleep(0.3)
    assert slack.calls_to("chat.postEphemeral") == []


def test_a_channel_the_bot_is_not_in_is_refused_on_the_channel_field(schedule, slack):
    services, store, client = schedule
    app = bolt_app(services, client)
    view = subscription_view(store.all(), "C0QUIET")

    response = app.dispatch(submission(ADMIN, submitted(view, "C0QUIET", ["daily"])))

    assert json.loads(response.body)["errors"] == {
        CHANNEL_BLOCK: "I'm not a member of that channel: invite me with /invite @deskbot there, then try again."
    }
    assert not any(s.channel_id == "C0QUIET" for s in store.all())


def test_a_database_outage_on_saving_is_said_on_the_form(schedule, slack):
    services, _store, client = schedule
    view = subscription_view([], "C0DESK")

    class Refusing:
        def all(self) -> list[Subscription]:
            from sqlalchemy.exc import OperationalError

            raise OperationalError("SELECT", {}, Exception("connection refused"))

    assert services.schedule is not None
    broken = Services(services.store, schedule=ScheduleServices(store=Refusing(), slack=services.schedule.slack))  # type: ignore[arg-type]
    app = bolt_app(broken, client)
    response = app.dispatch(submission(ADMIN, submitted(view, "C0DESK", ["daily"])))

    assert json.loads(response.body)["errors"] == {
        CHANNEL_BLOCK: "The database is unavailable, so nothing was saved. Try again in a minute."
    }


# ---- the stand-in's views.open ---------------------------------------------------------------------


def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def test_the_stand_in_opens_modals_as_slack_does(slack):
    client = WebClient(token=slack.token, base_url=slack.api_url)
    view = subscription_view([], "C0DESK")
    trigger = slack.issue_trigger_id()

    opened = client.views_open(trigger_id=trigger, view=view)["view"]
    assert opened["type"] == "modal" and opened["id"].startswith("V") and opened["state"] == {"values": {}}
    assert _error(lambda: client.views_open(trigger_id=trigger, view=view)) == "exchanged_trigger_id"
    assert _error(lambda: client.views_open(trigger_id="12.34.never-issued", view=view)) == "expired_trigger_id"
    expired = slack.issue_trigger_id()
    slack.expire_trigger_id(expired)
    assert _error(lambda: client.views_open(trigger_id=expired, view=view)) == "expired_trigger_id"
    assert _error(lambda: client.views_open(trigger_id="", view=view)) == "invalid_arguments"
    long_title = {**view, "title": {"type": "plain_text", "text": "Subscriptions for a channel"}}
    assert _error(lambda: client.views_open(trigger_id=slack.issue_trigger_id(), view=long_title)) == (
        "invalid_arguments"
    )
    no_submit = {key: value for key, value in view.items() if key != "submit"}
    assert _error(lambda: client.views_open(trigger_id=slack.issue_trigger_id(), view=no_submit)) == (
        "invalid_arguments"
    )
    assert _error(lambda: client.views_open(trigger_id=slack.issue_trigger_id(), view={**view, "type": "home"})) == (
        "invalid_arguments"
    )
    assert slack.opened_views == [view]
    assert _error(lambda: client.views_update(view_id=opened["id"], hash="0.0", view=view)) == "hash_conflict"
    assert _error(lambda: client.views_update(view_id="V0NOWHERE", view=view)) == "not_found"
    assert client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)["view"]["id"] == opened["id"]
