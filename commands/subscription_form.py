"""The subscription form: a Slack modal to choose what deskbot posts in a channel, and reading it back.

Pure: `subscription_view` builds the modal from the channel's current subscriptions, and
`read_submission` turns a submitted view (`view.state.values`) into a `FormChoice` or the
errors to show on each field. The bot opens the view, checks the user's rights and the
channel with Slack, and stores the changes `form_changes` lists, as `subscribe` does.

The form sets the channel's feeds to what is ticked: a feed the channel had and the form
showed ticked, unticked, is stopped. Tenors and the lead are one setting for the form, as in
the typed command (`tenors=` for briefings and flash, `lead=` for briefings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from commands import blocks
from commands.auctions import BILL_WEEKS
from commands.schedule.model import DEFAULT_LEAD_MINUTES, DEFAULT_TENORS, MAX_LEAD_MINUTES, Feed, Subscription
from commands.schedule.wording import subscribed_text, unsubscribed_text
from market.records import COUPON_YEARS, TIPS_YEARS, describe_tenor

CALLBACK_ID = "deskbot_subscribe"
TITLE = "Scheduled posts"  # a modal title holds at most 24 characters
CHANNEL_BLOCK = "subscribe_channel"
CHANNEL_ACTION = "subscribe_channel"  # a new channel picked: the form is shown again with its subscriptions
FEEDS_ACTION = "subscribe_feeds"
TENORS_ACTION = "subscribe_tenors"
LEAD_ACTION = "subscribe_lead"
# The other fields' block ids name the channel they were filled for, so Slack shows the new
# channel's settings when the form is updated for it (it keeps what was typed into a block id it knows).
FEEDS_FIELD = "subscribe_feeds"
TENORS_FIELD = "subscribe_tenors"
LEAD_FIELD = "subscribe_lead"
_NO_CHANNEL = "none"

# Slack shows at most 75 characters of an option's description.
FEED_DESCRIPTIONS = {
    Feed.BRIEFINGS: "T-1 preview (16:00 ET the day before) and a briefing before the close",
    Feed.FLASH: "The result at the competitive close, in the thread of its briefing",
    Feed.DAILY: "18:00 ET on business days: curve, auctions, stress gauge, alerts",
    Feed.WEEKLY: "18:30 ET after the week's last business day",
    Feed.ALERTS: "Threshold alerts, checked at 13:15 and 18:20 ET on business days",
}
# Feeds that post per auction, and so read the tenors; the lead is the briefing's.
TENOR_FEEDS = (Feed.BRIEFINGS, Feed.FLASH)

# What Treasury auctions, named as the auction history names it (what briefings and flashes match).
TENOR_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Notes and bonds", tuple(f"{years}y" for years in COUPON_YEARS)),
    ("TIPS", tuple(f"tips{years}y" for years in TIPS_YEARS)),
    ("Floating rate notes", ("frn",)),
    ("Bills", tuple(f"{weeks}w" for weeks in BILL_WEEKS)),
)
FORM_TENORS: tuple[str, ...] = tuple(tenor for _label, tenors in TENOR_GROUPS for tenor in tenors)


@dataclass(frozen=True)
class FormOrigin:
    """What the form carries between opening and submission (the view's `private_metadata`).

    `shown_for` is the channel whose subscriptions the form was filled with: only for that
    channel does an unticked feed mean "stop it".
    """

    slash_command: str = "/deskbot"
    shown_for: str | None = None

    def to_metadata(self) -> str:
        return json.dumps({"slash_command": self.slash_command, "shown_for": self.shown_for or ""})

    @classmethod
    def from_metadata(cls, metadata: str | None) -> FormOrigin:
        try:
            found = json.loads(metadata or "{}")
        except ValueError:
            return cls()
        if not isinstance(found, dict):
            return cls()
        slash = found.get("slash_command")
        shown = found.get("shown_for")
        return cls(
            slash_command=slash if isinstance(slash, str) and slash.startswith("/") else "/deskbot",
            shown_for=shown if isinstance(shown, str) and shown else None,
        )


@dataclass(frozen=True)
class FormChoice:
    """A valid submission: the channel, the feeds ticked, and the tenors and lead they use."""

    channel_id: str
    feeds: tuple[Feed, ...]
    tenors: tuple[str, ...]
    lead_minutes: int
    origin: FormOrigin = FormOrigin()


@dataclass(frozen=True)
class FormChanges:
    """What saving a choice does: the subscriptions to put, the feeds to stop, and what to tell the user."""

    put: tuple[Subscription, ...]
    stop: tuple[Feed, ...]
    text: str


def is_channel_id(value: str | None) -> bool:
    """A public (`C…`) or private (`G…`) channel: a DM or a group DM cannot be subscribed."""
    return bool(value) and str(value)[:1] in ("C", "G") and str(value).isalnum() and str(value).isupper()


# -- building the view ------------------------------------------------------------------------------


def subscription_view(
    subscriptions: Sequence[Subscription],
    channel_id: str | None = None,
    *,
    slash_command: str = "/deskbot",
    from_conversation: bool = False,
) -> dict[str, Any]:
    """The modal for `channel_id` (None: no channel picked yet), filled from its current subscriptions.

    `subscriptions` may hold other channels' too; only `channel_id`'s are read. `from_conversation`
    says the form was opened from a conversation (a slash command), whose channel the picker shows.
    """
    channel = channel_id if is_channel_id(channel_id) else None
    current = sorted((s for s in subscriptions if s.channel_id == channel), key=lambda s: list(Feed).index(s.feed))
    by_feed = {s.feed: s for s in current}
    source = by_feed.get(Feed.BRIEFINGS) or by_feed.get(Feed.FLASH)
    tenors = source.tenors if source is not None else DEFAULT_TENORS
    lead = by_feed[Feed.BRIEFINGS].lead_minutes if Feed.BRIEFINGS in by_feed else DEFAULT_LEAD_MINUTES
    suffix = channel or _NO_CHANNEL

    picker: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick a channel"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel is not None:
        picker["initial_conversation"] = channel
    if from_conversation and channel is not None:
        picker["default_to_current_conversation"] = True

    feeds_element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": FEEDS_ACTION,
        "options": [_feed_option(feed) for feed in Feed],
    }
    if current:
        feeds_element["initial_options"] = [_feed_option(s.feed) for s in current]

    offered = [t for t in tenors if t in FORM_TENORS]
    tenors_element: dict[str, Any] = {
        "type": "multi_static_select",
        "action_id": TENORS_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick tenors"},
        "option_groups": [
            {"label": {"type": "plain_text", "text": label}, "options": [_tenor_option(t) for t in group]}
            for label, group in TENOR_GROUPS
        ],
    }
    if offered:
        tenors_element["initial_options"] = [_tenor_option(t) for t in offered]

    built: list[blocks.Block] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Choose what deskbot posts in a channel, on its own, at New York times (ET). "
                "Only deskbot admins can save.",
            },
        },
        {
            "type": "input",
            "block_id": CHANNEL_BLOCK,
            "dispatch_action": True,
            "label": {"type": "plain_text", "text": "Channel"},
            "element": picker,
            "hint": {"type": "plain_text", "text": "deskbot must be in it: /invite @deskbot there first."},
        },
        blocks.context(_current_line(channel, current, tenors, offered)),
        {
            "type": "input",
            "block_id": f"{FEEDS_FIELD}.{suffix}",
            "label": {"type": "plain_text", "text": "Feeds"},
            "element": feeds_element,
            "hint": {
                "type": "plain_text",
                "text": f"Unticking a feed the channel gets stops it. To stop them all: "
                f"{slash_command} unsubscribe #channel all",
            },
        },
        {
            "type": "input",
            "block_id": f"{TENORS_FIELD}.{suffix}",
            "optional": True,
            "label": {"type": "plain_text", "text": "Tenors (briefings and flash)"},
            "element": tenors_element,
            "hint": {
                "type": "plain_text",
                "text": "The auctions briefed and flashed; daily, weekly and alerts ignore it.",
            },
        },
        {
            "type": "input",
            "block_id": f"{LEAD_FIELD}.{suffix}",
            "optional": True,
            "label": {"type": "plain_text", "text": "Briefing lead (minutes before the close)"},
            "element": {
                "type": "number_input",
                "action_id": LEAD_ACTION,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(MAX_LEAD_MINUTES),
                "initial_value": str(lead),
            },
            "hint": {
                "type": "plain_text",
                "text": f"1 to {MAX_LEAD_MINUTES} (24 hours); coupons close at 13:00 ET, bills at 11:30 ET.",
            },
        },
        blocks.context(
            f"Or type it: `{slash_command} subscribe #channel briefings flash tenors=10y,30y lead=60m` · "
            f"`{slash_command} schedule` shows what is due in the next 7 days."
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": TITLE},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": FormOrigin(slash_command, channel).to_metadata(),
        "blocks": built,
    }


def _feed_option(feed: Feed) -> dict[str, Any]:
    return {
        "text": {"type": "mrkdwn", "text": f"*{feed.value}*"},
        "description": {"type": "plain_text", "text": FEED_DESCRIPTIONS[feed]},
        "value": feed.value,
    }


def _tenor_option(tenor: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": f"{tenor} — {describe_tenor(tenor)}"}, "value": tenor}


def _current_line(
    channel: str | None, current: Sequence[Subscription], tenors: Sequence[str], offered: Sequence[str]
) -> str:
    if channel is None:
        return "Pick a channel to see what it gets now."
    if not current:
        return f"<#{channel}> gets no scheduled posts yet."
    parts = []
    for subscription in current:
        text = subscription.feed.value
        if subscription.feed in TENOR_FEEDS:
            detail = ", ".join(subscription.tenors)
            if subscription.feed is Feed.BRIEFINGS:
                detail += f"; {subscription.lead_minutes} min before the close"
            text += f" ({detail})"
        parts.append(text)
    line = f"<#{channel}> gets now: " + ", ".join(parts) + "."
    per_auction = {s.feed: s.tenors for s in current if s.feed in TENOR_FEEDS}
    if len(set(per_auction.values())) > 1:
        line += " Briefings and flash have different tenors; saving gives both the tenors chosen here."
    dropped = [t for t in tenors if t not in offered]
    if dropped:
        line += f" Not offered here, so dropped on saving: {', '.join(dropped)}."
    return line


# -- reading a submission ---------------------------------------------------------------------------


def read_submission(view: dict[str, Any]) -> FormChoice | dict[str, str]:
    """The choice in a submitted view, or `{block_id: message}` for each field to correct.

    Checks what the form alone can tell: a channel (not a DM), at least one feed, tenors
    Treasury sells where a feed needs them, a lead between 1 minute and 24 hours where
    briefings are ticked. Rights and the bot's membership are Slack's to say (the bot checks).
    """
    values: dict[str, dict[str, Any]] = (view.get("state") or {}).get("values") or {}
    block_ids = [str(b.get("block_id")) for b in view.get("blocks") or [] if b.get("type") == "input"]
    block_ids += [key for key in values if key not in block_ids]
    channel_block = _block_for(block_ids, CHANNEL_BLOCK)
    feeds_block = _block_for(block_ids, FEEDS_FIELD)
    tenors_block = _block_for(block_ids, TENORS_FIELD)
    lead_block = _block_for(block_ids, LEAD_FIELD)
    errors: dict[str, str] = {}

    channel = _value(values, channel_block, CHANNEL_ACTION).get("selected_conversation")
    if not channel:
        errors[channel_block] = "Pick the channel to post in."
    elif not is_channel_id(str(channel)):
        errors[channel_block] = "Pick a channel: direct messages cannot get scheduled posts."

    feeds: list[Feed] = []
    for option in _value(values, feeds_block, FEEDS_ACTION).get("selected_options") or []:
        try:
            feed = Feed(str(option.get("value")))
        except ValueError:
            errors[feeds_block] = f"{str(option.get('value'))[:30]} is not a feed."
            continue
        if feed not in feeds:
            feeds.append(feed)
    feeds.sort(key=list(Feed).index)
    if not feeds and feeds_block not in errors:
        errors[feeds_block] = "Tick at least one feed."

    tenors: list[str] = []
    for option in _value(values, tenors_block, TENORS_ACTION).get("selected_options") or []:
        tenor = str(option.get("value"))
        if tenor not in FORM_TENORS:
            errors[tenors_block] = f"{tenor[:20]} is not a tenor Treasury auctions."
        elif tenor not in tenors:
            tenors.append(tenor)
    tenors.sort(key=FORM_TENORS.index)
    needs_tenors = any(f in TENOR_FEEDS for f in feeds)
    if needs_tenors and not tenors and tenors_block not in errors:
        errors[tenors_block] = "Pick at least one tenor: briefings and flash post per auction."

    lead = DEFAULT_LEAD_MINUTES
    raw_lead = _value(values, lead_block, LEAD_ACTION).get("value")
    if Feed.BRIEFINGS in feeds:
        if raw_lead in (None, ""):
            errors[lead_block] = "Say how many minutes before the close the briefing goes out."
        else:
            try:
                lead = int(str(raw_lead).strip())
            except ValueError:
                errors[lead_block] = "Whole minutes, e.g. 60."
            else:
                if not 0 < lead <= MAX_LEAD_MINUTES:
                    errors[lead_block] = f"Between 1 and {MAX_LEAD_MINUTES} minutes (24 hours)."

    if errors:
        return errors
    return FormChoice(
        channel_id=str(channel),
        feeds=tuple(feeds),
        tenors=tuple(tenors) or DEFAULT_TENORS,
        lead_minutes=lead,
        origin=FormOrigin.from_metadata(view.get("private_metadata")),
    )


def channel_block_id() -> str:
    """Where errors about the channel or the user's rights are shown."""
    return CHANNEL_BLOCK


def selected_channel(view: dict[str, Any]) -> str | None:
    """The channel picked in a view's current state, if any."""
    values: dict[str, dict[str, Any]] = (view.get("state") or {}).get("values") or {}
    channel = _value(values, CHANNEL_BLOCK, CHANNEL_ACTION).get("selected_conversation")
    return str(channel) if channel else None


def _block_for(block_ids: Sequence[str], field: str) -> str:
    """The block id of `field` in this view (`subscribe_feeds.C0DESK`), or the bare field name."""
    for block_id in block_ids:
        if block_id == field or block_id.startswith(field + "."):
            return block_id
    return field


def _value(values: dict[str, dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any]:
    found = (values.get(block_id) or {}).get(action_id)
    return found if isinstance(found, dict) else {}


# -- saving ---------------------------------------------------------------------------------------


def form_changes(choice: FormChoice, current: Sequence[Subscription], user_id: str) -> FormChanges:
    """What saving `choice` does, given the subscriptions stored now, and the confirmation to send.

    Each ticked feed is put (as `subscribe` puts it); a feed the channel has that the form showed
    ticked and the user unticked is stopped. When the form was filled for another channel (the
    refresh for the picked channel did not arrive), nothing is stopped.
    """
    channel = choice.channel_id
    put = tuple(
        Subscription(channel, feed, choice.tenors, choice.lead_minutes, created_by=user_id) for feed in choice.feeds
    )
    had = [s.feed for s in current if s.channel_id == channel]
    stop = tuple(f for f in Feed if f in had and f not in choice.feeds) if choice.origin.shown_for == channel else ()
    lines = [subscribed_text(channel, choice.feeds, choice.tenors, choice.lead_minutes, choice.origin.slash_command)]
    if stop:
        lines.append(unsubscribed_text(channel, stop))
    return FormChanges(put, stop, "\n".join(lines))


def field_error_text(sentence: str) -> str:
    """A sentence written for a message, fit for a field's error: plain text, channels by name."""
    text = re.sub(r"<#[CG][A-Z0-9]+\|([^>]+)>", r"#\1", sentence)
    text = re.sub(r"<#[CG][A-Z0-9]+>", "that channel", text)
    return text.replace("`", "").replace(":warning: ", "").replace(":no_entry: ", "")


__all__ = [
    "CALLBACK_ID",
    "CHANNEL_ACTION",
    "CHANNEL_BLOCK",
    "FORM_TENORS",
    "FormChanges",
    "FormChoice",
    "FormOrigin",
    "channel_block_id",
    "field_error_text",
    "form_changes",
    "is_channel_id",
    "read_submission",
    "selected_channel",
    "subscription_view",
]
