"""Buttons under answers: which answers carry which, what their values hold, and what a press does.

The pure part runs commands as of Wednesday 9 April 2025, 18:00 New York (the 10-year reopening
printed at 13:05, the day's close published at 18:00). The Slack part presses the buttons
through a Bolt app in-process, signed as Slack signs interactions (a form body `payload=<json>`),
against the Slack stand-in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.answer_actions import register_answer_actions
from bot.delivery import SlackDelivery
from bot.demo.slack_workspace import RESPONSE_URL, Call, SlackStandIn, block_problem
from bot.slack_access import SlackAccess
from bot.slack_message import message_blocks, message_payload
from bot.storage.command_log import CommandLog, CommandRecord
from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from bot.storage.subscriptions import SqlSubscriptionStore
from bot.text_render import reply_as_text
from commands import blocks
from commands.actions import (
    LABELS,
    Action,
    ActionValue,
    button,
    command_words,
    encode_value,
    parse_action_value,
    subscription_text,
)
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Reply
from commands.schedule.model import Feed, Subscription
from commands.services import BriefingServices, ScheduleServices, Services
from market.auctions.book import AuctionBook
from market.funding.book import FundingBook
from market.tz import DESK_TZ
from market.yields.history import YieldHistory
from tests.harness.signing import signed_headers

SIGNING_SECRET = "answer-buttons-signing-secret"
AS_OF = datetime(2025, 4, 9, 18, 0, tzinfo=DESK_TZ)
TRADER, ADMIN = "U0TRADER", "U0ADMIN"
SHARE, HISTORY, PREVIOUS = LABELS[Action.SHARE], LABELS[Action.HISTORY_CHART], LABELS[Action.PREVIOUS_AUCTION]
CHART_1Y, CURVE, SUBSCRIBE = LABELS[Action.CHART_1Y], LABELS[Action.CURVE], LABELS[Action.SUBSCRIBE]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """Every market domain over the shipped history, offline; no subscriptions (each test brings its own)."""
    sessions = create_database(f"sqlite:///{tmp_path_factory.mktemp('buttons') / 'market.sqlite3'}")
    store = SqlRecordStore(sessions)
    yields = YieldHistory(store)
    auctions = AuctionBook(store)
    funding = FundingBook(store, closes=yields.closes)
    briefings = BriefingServices(yields=yields, auctions=auctions, funding=funding)
    return Services(store, yields=yields, auctions=auctions, funding=funding, briefings=briefings)


@pytest.fixture(scope="module")
def registry(market: Services) -> Registry:
    subscriptions = SqlSubscriptionStore(create_database("sqlite://"))
    return build_registry(replace(market, schedule=ScheduleServices(store=subscriptions)))


def ask(registry: Registry, text: str, **context: Any) -> Reply:
    ctx = CommandContext(now=AS_OF, user_id=TRADER, channel_id="C0DESK", **context)
    return answer(text, ctx, registry)


def labels(reply: Reply) -> list[str]:
    return [element["text"]["text"] for element in reply.buttons]


def button_of(reply: Reply, action: Action) -> dict[str, Any]:
    return next(element for element in reply.buttons if element["action_id"] == action.value)


def assert_valid_message(payload: dict[str, Any]) -> None:
    """Slack would take it: the stand-in's checks, and slack_sdk's own model of every block."""
    assert block_problem(payload["blocks"]) is None
    assert len(payload["blocks"]) <= blocks.MAX_BLOCKS
    for block in payload["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


# ---- which answers carry which buttons ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("auction 10y", [HISTORY, PREVIOUS, SHARE]),
        ("auction 10y 2025-03-12", [HISTORY, PREVIOUS, SHARE]),
        ("auction 91282CMM0", [HISTORY, PREVIOUS, SHARE]),
        ("auction 10y --post", [HISTORY, PREVIOUS]),  # already in the channel: nothing to share
        ("auction 10y history", []),  # a chart goes to the channel
        ("auction next", [SHARE]),
        ("yields", [CHART_1Y, CURVE, SHARE]),
        ("yields 30y", [CHART_1Y, CURVE]),  # a chart: in the channel already
        ("curve", []),
        ("briefing 10y 2025-04-09", [SUBSCRIBE]),
        ("preview 30y 2025-04-10", [SUBSCRIBE, SHARE]),
        ("help", [SHARE]),
        ("subscriptions", [SHARE]),
        ("auction 11y", []),  # a usage message has nothing to share
    ],
)
def test_which_answers_carry_which_buttons(registry, text, expected):
    reply = ask(registry, text)

    assert labels(reply) == expected
    if reply.buttons:
        payload = message_payload(reply)
        assert payload["blocks"][-1] == {"type": "actions", "elements": list(reply.buttons)}
        assert_valid_message(payload)


def test_commands_that_change_subscriptions_are_never_shared(registry):
    # Sharing runs the command again: a subscription would be changed twice.
    assert [command.name for command in registry if not command.shareable] == ["subscribe", "unsubscribe"]


def test_a_scheduled_post_has_no_share_button_but_a_briefing_can_subscribe_its_channel(registry):
    briefing = ask(registry, "briefing 10y 2025-04-09", scheduled=True)
    preview = ask(registry, "preview 30y 2025-04-10", scheduled=True)

    assert labels(briefing) == [SUBSCRIBE] and labels(preview) == [SUBSCRIBE]
    assert parse_action_value(Action.SUBSCRIBE.value, button_of(briefing, Action.SUBSCRIBE)["value"]) == ActionValue(
        Action.SUBSCRIBE, "subscribe here briefings tenors=10y"
    )


def test_the_buttons_redo_the_answer_they_sit_under(registry):
    auction = ask(registry, "auction 10y")
    yields = ask(registry, "yields")
    tenor = ask(registry, "yields 30y 10y --as-of 2025-04-08")

    def value(reply: Reply, action: Action) -> ActionValue | None:
        return parse_action_value(action.value, button_of(reply, action)["value"])

    # The history through the auction shown, and the tenor's auction before it, by date.
    assert value(auction, Action.HISTORY_CHART) == ActionValue(Action.HISTORY_CHART, "auction 10y 2025-04-09 history")
    assert value(auction, Action.PREVIOUS_AUCTION) == ActionValue(Action.PREVIOUS_AUCTION, "auction 10y 2025-03-12")
    # Share re-posts the answer the asker saw: as of the moment it was given, not a newer close.
    assert value(auction, Action.SHARE) == ActionValue(Action.SHARE, "auction 10y", answered_at=AS_OF)
    # A year to the close shown, for the curve's headline tenors or the tenors asked.
    assert value(yields, Action.CHART_1Y) == ActionValue(Action.CHART_1Y, "yields 2y 10y 30y --since 2024-04-09")
    assert value(yields, Action.CURVE) == ActionValue(Action.CURVE, "curve")
    # The answer's --as-of travels beside the command, and is put back when it runs again.
    chart = value(tenor, Action.CHART_1Y)
    assert chart == ActionValue(Action.CHART_1Y, "yields 30y 10y --since 2024-04-08", "2025-04-08")
    assert chart is not None and chart.text == "yields 30y 10y --since 2024-04-08 --as-of 2025-04-08"
    shared = value(ask(registry, "auction 10y --as-of=2025-04-08 wi=4.46"), Action.SHARE)
    assert shared == ActionValue(Action.SHARE, "auction 10y wi=4.46", "2025-04-08", answered_at=AS_OF)


def test_values_round_trip_and_fit_slacks_limit(registry):
    replies = [ask(registry, text) for text in ("auction 10y", "yields --as-of 2025-04-04", "preview 30y 2025-04-10")]
    for element in (element for reply in replies for element in reply.buttons):
        assert len(element["value"]) <= 2000
        found = parse_action_value(element["action_id"], element["value"])
        assert found is not None
        assert encode_value(found.command, found.as_of, found.answered_at) == element["value"]
        assert json.loads(element["value"])["v"] == 1

    assert button(Action.SHARE, "help " + "x" * 1990) is None  # too long to redo: no button rather than a broken one
    assert button(Action.SHARE, "help " + "x" * 1900) is not None
    # Words travel quoted as the command reads them back; --as-of travels apart and --post stays behind.
    assert command_words("help", ["a b", "--as-of", "2025-04-09", "--post"]) == "help 'a b'"
    assert command_words("yields", ["30y", "--as-of=2025-04-09"]) == "yields 30y"


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (Action.SHARE.value, "{not json"),
        (Action.SHARE.value, json.dumps({"c": "help", "a": "", "v": 2})),  # another version
        (Action.SHARE.value, json.dumps({"c": "help", "a": "", "v": True})),
        (Action.SHARE.value, json.dumps({"c": "help", "a": ""})),
        (Action.SHARE.value, json.dumps({"c": "", "a": "", "v": 1})),
        (Action.SHARE.value, json.dumps({"c": "help", "a": "2025-04-09 --post", "v": 1})),  # no word slips in
        (Action.SHARE.value, json.dumps({"c": "help 'unclosed", "a": "", "v": 1})),
        (Action.SHARE.value, json.dumps(["help"])),
        (Action.SHARE.value, None),
        (Action.SHARE.value, "x" * 2001),
        ("deskbot_answer_teleport", json.dumps({"c": "help", "a": "", "v": 1})),
    ],
)
def test_a_stale_value_is_refused(action_id, value):
    assert parse_action_value(action_id, value) is None


def test_neither_the_text_nor_the_terminal_shows_buttons(registry):
    reply = ask(registry, "auction 10y")
    assert reply.buttons

    sent = replace(reply, blocks=message_blocks(reply))  # the blocks as Slack gets them, actions block included
    for shown in (reply_as_text(reply), reply_as_text(sent), reply_as_text(sent, ansi=True), reply.text):
        assert not any(label in shown for label in (SHARE, HISTORY, PREVIOUS)), shown
        assert "deskbot_answer" not in shown
    assert reply_as_text(sent) == reply_as_text(reply)
    # Blocks Slack refuses go again as text alone: without the buttons.
    assert "blocks" not in message_payload(replace(reply, blocks=()))


def test_the_buttons_always_fit_in_the_message(registry):
    many = Reply(text="x", blocks=tuple(blocks.sections("line")[0] for _ in range(60)))
    reply = many.with_buttons(*ask(registry, "auction 10y").buttons)

    sent = message_blocks(reply)
    assert len(sent) == 50 and sent[-1]["type"] == "actions"
    assert sent[-2] == blocks.context("12 more blocks were left out to fit Slack's message limit.")
    assert_valid_message({"blocks": list(sent)})
    # No more than 25 buttons, and no action twice.
    crowded = Reply(text="x").with_buttons(*(button(Action.SHARE, f"help {n}") for n in range(30)))
    assert len(crowded.buttons) == 1


def test_the_stand_in_refuses_buttons_slack_would():
    good = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "a", "value": "v"}

    assert block_problem([{"type": "actions", "elements": [good]}]) is None
    assert block_problem([{"type": "actions", "elements": []}]) == "invalid_blocks"
    assert block_problem([{"type": "actions", "elements": [good] * 2}]) == "invalid_blocks"  # action_id twice
    assert block_problem([{"type": "actions", "elements": [{**good, "value": "v" * 2001}]}]) == "invalid_blocks"
    assert block_problem([{"type": "actions", "elements": [{**good, "style": "loud"}]}]) == "invalid_blocks"
    long_label = {**good, "text": {"type": "plain_text", "text": "x" * 76}}
    assert block_problem([{"type": "actions", "elements": [long_label]}]) == "invalid_blocks"
    many = [{**good, "action_id": f"a{n}"} for n in range(26)]
    assert block_problem([{"type": "actions", "elements": many}]) == "invalid_blocks"


def test_a_subscribe_button_adds_its_tenor_and_never_narrows_the_channels_subscription():
    existing = [
        Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("20y", "30y"), 30),
        Subscription("C0DESK", Feed.DAILY),
    ]
    command = "subscribe here briefings tenors=10y"

    assert subscription_text(command, "C0AUCTIONS", existing) == "subscribe here briefings tenors=20y,30y,10y lead=30m"
    assert subscription_text(command, "C0DESK", existing) == command  # no briefings there yet
    assert subscription_text("subscribe here briefings tenors=30y", "C0AUCTIONS", existing) == (
        "subscribe here briefings tenors=20y,30y lead=30m"
    )


# ---- pressing them, through Bolt, against the Slack stand-in ---------------------------------------


@dataclass
class Desk:
    """A Bolt app answering buttons, the workspace it talks to, and the channel subscriptions it keeps."""

    app: App
    slack: SlackStandIn
    registry: Registry
    subscriptions: SqlSubscriptionStore
    log: CommandLog

    def answer(self, text: str, user: str = TRADER, channel: str = "C0DESK") -> Reply:
        ctx = CommandContext(now=AS_OF, user_id=user, channel_id=channel)
        return answer(text, ctx, self.registry)

    def press(
        self,
        element: dict[str, Any],
        key: str,
        *,
        user: str = TRADER,
        channel: str = "C0DESK",
        ephemeral: bool = True,
        value: str | None = None,
    ) -> float:
        """Press the button as Slack would post it; the seconds until the ack came back."""
        payload = block_actions(element, self.slack.response_url(key), user, channel, ephemeral, value)
        body = urlencode({"payload": json.dumps(payload)})
        started = time.monotonic()
        response = self.app.dispatch(BoltRequest(body=body, headers=signed_headers(SIGNING_SECRET, body.encode())))
        acked_in = time.monotonic() - started
        assert response.status == 200, response.body
        return acked_in

    def logged(self, timeout: float = 30) -> CommandRecord:
        """The latest record in the command log, once the press has been answered and recorded."""
        deadline = time.monotonic() + timeout
        while not (found := self.log.recent(1)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert found, "the press was not recorded"
        return found[0]

    def replies(self, key: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        return [call.params for call in self.slack.wait_for(RESPONSE_URL, count, timeout, key=key)]


def block_actions(
    element: dict[str, Any], response_url: str, user: str, channel: str, ephemeral: bool, value: str | None
) -> dict[str, Any]:
    """The `block_actions` payload Slack posts when a message button is pressed (fields as in Slack's docs)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0DESK"},
        "api_app_id": "A0DESKBOT",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1744236000.000100",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"13345224609.738474920.{time.time_ns():x}",
        "team": {"id": "T0DESK", "domain": "rates-desk"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "rates-desk"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": element["action_id"],
                "block_id": "Xy1",
                "text": element["text"],
                "value": element["value"] if value is None else value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {"type": "message", "user": "U0DESKBOT", "ts": "1744236000.000100", "text": "…"}
    return payload


@pytest.fixture
def desk(market: Services, slack: SlackStandIn, tmp_path) -> Iterator[Desk]:
    sessions = create_database(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    client = WebClient(token=slack.token, base_url=slack.api_url)
    subscriptions = SqlSubscriptionStore(sessions)
    services = replace(market, schedule=ScheduleServices(store=subscriptions, slack=SlackAccess(client)))
    registry = build_registry(services)
    app = App(client=client, signing_secret=SIGNING_SECRET, process_before_response=True)
    log = CommandLog(sessions)
    register_answer_actions(
        app, registry, services, SlackDelivery(client), frozen(AS_OF), slash_command="/deskbot", command_log=log
    )
    yield Desk(app, slack, registry, subscriptions, log)


def frozen(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def shares(slack: SlackStandIn, count: int) -> list[dict[str, Any]]:
    slack.wait_for("files.completeUploadExternal", count, timeout=60)
    return list(slack.file_shares)


def test_history_chart_answers_with_the_auctions_history_chart(desk):
    original = desk.answer("auction 10y")
    assert_valid_message(message_payload(original))

    acked_in = desk.press(button_of(original, Action.HISTORY_CHART), "history")

    assert acked_in < 1.0
    (reply,) = desk.replies("history")
    assert reply["response_type"] == "in_channel" and reply["replace_original"] is False
    assert reply["text"].startswith("10-year auctions: last 18 through 2025-04-09")
    assert_valid_message(reply)
    (chart,) = shares(desk.slack, 1)
    assert chart["channel"] == "C0DESK" and chart["name"].endswith(".png")
    assert "10-year" in chart["title"] or "10y" in chart["title"]
    logged = desk.logged()
    assert logged.command_text == "[deskbot_answer_history_chart] auction 10y 2025-04-09 history"
    assert (logged.user_id, logged.channel_id, logged.outcome, logged.delivered) == (TRADER, "C0DESK", "ok", True)


def test_previous_auction_answers_with_the_tenors_auction_before(desk):
    original = desk.answer("auction 10y")

    desk.press(button_of(original, Action.PREVIOUS_AUCTION), "previous")

    (reply,) = desk.replies("previous")
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert reply["text"].startswith("10-year auction 2025-03-12:")
    assert_valid_message(reply)
    pressed_again = [element["value"] for element in reply["blocks"][-1]["elements"]]
    assert json.loads(pressed_again[1])["c"] == "auction 10y 2025-02-12"  # and the one before that, in turn


def test_share_in_channel_posts_the_same_answer_naming_who_shared_it(desk):
    original = desk.answer("yields --as-of 2025-04-08")  # a past close: the share must show that close too
    private = message_payload(original)

    desk.press(button_of(original, Action.SHARE), "share")

    posted, deleted = desk.replies("share", 2)
    assert posted["response_type"] == "in_channel" and posted["replace_original"] is False
    assert posted["text"].startswith("<@U0TRADER> shared: Treasury curve — close 2025-04-08 (Tue)")
    assert posted["blocks"][0] == blocks.context("<@U0TRADER> shared: `/deskbot yields --as-of 2025-04-08`")
    assert posted["blocks"][1:-1] == private["blocks"][:-1]  # the answer as it was, point in time included
    assert "As of the 2025-04-08 close" in posted["text"]
    assert [element["text"]["text"] for element in posted["blocks"][-1]["elements"]] == [CHART_1Y, CURVE]
    assert_valid_message(posted)
    assert deleted == {"delete_original": True}  # the private copy goes once the channel has it


def test_chart_1y_and_curve_answer_with_their_charts(desk):
    original = desk.answer("yields")

    desk.press(button_of(original, Action.CHART_1Y), "chart-1y")
    (chart_reply,) = desk.replies("chart-1y")
    desk.press(button_of(original, Action.CURVE), "curve")
    (curve_reply,) = desk.replies("curve")

    assert chart_reply["response_type"] == "in_channel"
    assert chart_reply["text"].startswith("2y / 10y / 30y Treasury — close 2025-04-09 (Wed)")
    assert curve_reply["response_type"] == "in_channel"
    assert curve_reply["text"].startswith("Treasury curve — 2025-04-09 (Wed) vs 2025-04-02")
    for reply in (chart_reply, curve_reply):
        assert_valid_message(reply)
    names = sorted(share["name"] for share in shares(desk.slack, 2))
    assert names == ["curve_2025-04-09_2025-04-02_2025-03-07.png", "yields_2y_10y_30y_2025-04-09.png"]
    titles = " ".join(share["title"] for share in desk.slack.file_shares)
    assert "2024" in titles  # the year to the close


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("{not json", "deskbot has changed since its answer was posted"),
        (json.dumps({"c": "auction 10y 2025-03-12", "a": "", "v": 2}), "deskbot has changed since"),
        (json.dumps({"c": "auction 10y 2025-03-13", "a": "", "v": 1}), "There was no 10-year auction on 2025-03-13"),
    ],
)
def test_a_stale_button_answers_with_one_clear_line(desk, value, why):
    original = desk.answer("auction 10y")

    desk.press(button_of(original, Action.PREVIOUS_AUCTION), "stale", value=value)

    (reply,) = desk.replies("stale")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(":warning: This button no longer works: ") and why in reply["text"]
    assert "\n" not in reply["text"] and "Traceback" not in json.dumps(reply)
    assert_valid_message(reply)
    assert desk.slack.file_shares == []


def test_an_unknown_button_of_ours_is_stale_too(desk):
    element = {"action_id": "deskbot_answer_teleport", "text": {"type": "plain_text", "text": "Go"}, "value": "{}"}

    desk.press(element, "unknown")

    (reply,) = desk.replies("unknown")
    assert reply["text"].startswith(":warning: This button no longer works:")


def test_subscribe_this_channel_is_refused_to_a_member(desk):
    briefing = desk.answer("briefing 10y 2025-04-09", channel="C0DESK")

    desk.press(button_of(briefing, Action.SUBSCRIBE), "member", user=TRADER, ephemeral=False)

    (reply,) = desk.replies("member")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(":no_entry: Only deskbot admins") and "\n" not in reply["text"]
    assert desk.subscriptions.all() == []
    assert [call.params["user"] for call in desk.slack.calls_to("users.info")] == [TRADER]  # asked Slack


def test_subscribe_this_channel_by_an_admin_stores_the_subscription(desk):
    briefing = desk.answer("briefing 10y 2025-04-09", channel="C0DESK")

    desk.press(button_of(briefing, Action.SUBSCRIBE), "admin", user=ADMIN, ephemeral=False)

    (reply,) = desk.replies("admin")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(":white_check_mark: <#C0DESK>") and "briefings" in reply["text"]
    assert desk.subscriptions.all() == [Subscription("C0DESK", Feed.BRIEFINGS, ("10y",), 60, created_by=ADMIN)]


def test_subscribe_in_a_channel_that_already_gets_briefings_adds_the_tenor(desk):
    desk.subscriptions.put(Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("20y", "30y"), 30, created_by=ADMIN))
    briefing = desk.answer("briefing 10y 2025-04-09", channel="C0AUCTIONS")

    desk.press(button_of(briefing, Action.SUBSCRIBE), "merge", user=ADMIN, channel="C0AUCTIONS", ephemeral=False)

    desk.replies("merge")
    assert desk.subscriptions.all() == [
        Subscription("C0AUCTIONS", Feed.BRIEFINGS, ("20y", "30y", "10y"), 30, created_by=ADMIN)
    ]


def test_subscribe_in_a_channel_that_is_gone_says_so_in_one_line(desk):
    briefing = desk.answer("briefing 10y 2025-04-09", channel="C0DESK")
    desk.slack.channels.pop("C0DESK")  # archived and deleted since the post

    desk.press(button_of(briefing, Action.SUBSCRIBE), "gone", user=ADMIN, ephemeral=False)

    (reply,) = desk.replies("gone")
    assert reply["text"].startswith(":warning: I can't see <#C0DESK>") and "\n" not in reply["text"]
    assert desk.subscriptions.all() == []


def test_the_ack_comes_before_the_work(desk):
    briefing = desk.answer("briefing 10y 2025-04-09")
    desk.slack.delay_next("users.info", 2.0)  # Slack is slow to say who is an admin

    acked_in = desk.press(button_of(briefing, Action.SUBSCRIBE), "slow", user=ADMIN, ephemeral=False)
    answered_before_ack: list[Call] = desk.slack.calls_to(RESPONSE_URL, key="slow")

    assert acked_in < 1.0
    assert answered_before_ack == []
    (reply,) = desk.replies("slow", timeout=30)
    assert reply["text"].startswith(":white_check_mark: <#C0DESK>")
