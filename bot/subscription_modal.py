"""The subscription form in Slack: opened from `/deskbot subscribe` or the Home tab's Manage button.

Slack gives 3 seconds to use a trigger id (in the slash command and in each button click),
so the form is opened right after the ack: a command's reply carries the view
(`Reply.modal`, built by `commands.subscription_form`) and `deliver_reply` opens it with the
command's trigger id, answering with the reply's text only when Slack would not open it.

A submission is answered within Slack's 3 seconds as well, with the ack itself: the user's
rights and the bot's membership of the channel are checked with Slack (as the typed
`subscribe` checks them), the changes are stored, and the modal closes; errors are shown on
their fields. The confirmation, worded as the typed command words it, follows privately in
the channel (or in the app's messages when the user is not in it).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import SlackDelivery
from bot.execution import new_ref
from bot.storage.health import OUTAGE_ERRORS
from commands.home import MANAGE_ACTION_ID
from commands.reply import Reply
from commands.schedule.model import SlackAccess
from commands.services import ScheduleServices, Services
from commands.subscription_form import (
    CALLBACK_ID,
    CHANNEL_ACTION,
    CHANNEL_BLOCK,
    FormChoice,
    FormOrigin,
    field_error_text,
    form_changes,
    read_submission,
    selected_channel,
    subscription_view,
)

logger = logging.getLogger(__name__)

# Where the ack function leaves the confirmation for the lazy listener that sends it.
CONFIRMATION_KEY = "deskbot_subscription_confirmation"
NOT_ADMIN = (
    "Only deskbot admins (the configured list, or workspace admins and owners) can change subscriptions. "
    "Nothing was changed."
)
NO_SLACK_CHECK = "Subscriptions cannot be changed here: deskbot cannot check rights with Slack. Nothing was changed."
DATABASE_AWAY = "The database is unavailable, so nothing was saved. Try again in a minute."


def open_modal(client: WebClient | None, trigger_id: str | None, view: dict[str, Any]) -> bool:
    """Open `view` as a modal with `trigger_id`; True when Slack opened it.

    False (and one log line) when there is no client or trigger id, or Slack refused:
    `expired_trigger_id` after its 3 seconds, `invalid_arguments` for a view it will not show.
    """
    if client is None or not trigger_id:
        return False
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        details = (error.response.get("response_metadata") or {}).get("messages") or ""
        logger.warning("views.open failed: %s %s", error.response.get("error"), details)
        return False
    except Exception as error:  # a dropped connection: the caller answers in text instead
        logger.warning("views.open failed: %s", type(error).__name__)
        return False
    return True


def deliver_reply(
    client: WebClient | None,
    delivery: SlackDelivery,
    command: dict[str, Any],
    reply: Reply,
    channel_id: str | None,
    user_id: str | None,
    *,
    replace_original: bool = False,
) -> bool:
    """Answer a slash command: open the reply's modal when it has one, else (or if Slack will not) respond.

    True when the asker got the form or the answer.
    """
    if reply.modal is not None and open_modal(client, command.get("trigger_id"), reply.modal):
        return True
    return delivery.respond(command["response_url"], reply, channel_id, user_id, replace_original=replace_original)


class SubscriptionModal:
    """The form's Bolt listeners: Manage opens it, a new channel refills it, Save stores it."""

    def __init__(self, schedule: ScheduleServices, slack_access: SlackAccess | None, slash_command: str) -> None:
        self._schedule = schedule
        self._access = slack_access
        self._slash_command = slash_command

    # -- opening and refilling ---------------------------------------------------------------------

    def on_manage(self, body: dict[str, Any], client: WebClient) -> None:
        """The Home tab's Manage button (lazy, right after the ack): open the form, no channel picked yet."""
        view = subscription_view([], None, slash_command=self._slash_command)
        if open_modal(client, body.get("trigger_id"), view):
            logger.info("subscription form opened for %s from the Home tab", (body.get("user") or {}).get("id"))

    def on_channel_picked(self, body: dict[str, Any], client: WebClient) -> None:
        """A channel was picked in the form: show what it gets now (views.update, guarded by the view's hash)."""
        shown = body.get("view") or {}
        channel = selected_channel(shown)
        origin = FormOrigin.from_metadata(shown.get("private_metadata"))
        if not shown.get("id") or channel == origin.shown_for:
            return
        try:
            current = self._schedule.store.all()
        except OUTAGE_ERRORS as error:
            logger.warning(
                "subscription form: subscriptions unreadable, the database failed (%s)", type(error).__name__
            )
            return
        view = subscription_view(current, channel, slash_command=origin.slash_command)
        try:
            client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
        except SlackApiError as error:
            # hash_conflict: the form changed meanwhile; the newer pick brings its own update.
            logger.info("views.update of the subscription form: %s", error.response.get("error"))

    # -- saving ------------------------------------------------------------------------------------

    def on_submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        """Validate and store, then ack: the modal closes, or stays with an error on each field to correct."""
        user_id = str((body.get("user") or {}).get("id") or "")
        try:
            errors, confirmation = self._save(view, user_id)
        except OUTAGE_ERRORS as error:
            logger.warning("subscription form of %s: the database failed (%s)", user_id, type(error).__name__)
            errors, confirmation = {CHANNEL_BLOCK: DATABASE_AWAY}, None
        except Exception:
            ref = new_ref()
            logger.exception("subscription form of %s failed (ref %s)", user_id, ref)
            errors, confirmation = (
                {CHANNEL_BLOCK: f"Something went wrong (ref {ref}); quote it when you report it."},
                None,
            )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        # Read by `confirm`: Bolt hands the lazy listener a copy of the context made after this function
        # returns (the app acks inline, `process_before_response=True`, as `create_app` builds it).
        context[CONFIRMATION_KEY] = confirmation
        ack()

    def _save(self, view: dict[str, Any], user_id: str) -> tuple[dict[str, str], dict[str, str] | None]:
        if self._access is None:
            return {CHANNEL_BLOCK: NO_SLACK_CHECK}, None
        if not self._access.may_change_subscriptions(user_id):
            logger.info("subscription form: %s is not an admin; nothing stored", user_id)
            return {CHANNEL_BLOCK: NOT_ADMIN}, None
        choice = read_submission(view)
        if not isinstance(choice, FormChoice):
            return choice, None
        if problem := self._access.bot_channel_problem(choice.channel_id):
            return {CHANNEL_BLOCK: field_error_text(problem)}, None
        store = self._schedule.store
        changes = form_changes(choice, [s for s in store.all() if s.channel_id == choice.channel_id], user_id)
        for subscription in changes.put:
            store.put(subscription)
        if changes.stop:
            store.remove(choice.channel_id, changes.stop)
        logger.info(
            "subscription form of %s: %s gets %s%s",
            user_id,
            choice.channel_id,
            ",".join(f.value for f in choice.feeds),
            f", stopped {','.join(f.value for f in changes.stop)}" if changes.stop else "",
        )
        return {}, {"channel": choice.channel_id, "user": user_id, "text": changes.text}

    def confirm(self, context: BoltContext, client: WebClient) -> None:
        """After the modal closed: the confirmation, privately in the channel, else in the app's messages."""
        confirmation = context.get(CONFIRMATION_KEY)
        if not confirmation:
            return
        channel, user, text = confirmation["channel"], confirmation["user"], confirmation["text"]
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as error:
            logger.info(
                "confirmation in %s for %s: %s; sending it as a message", channel, user, error.response.get("error")
            )
        try:
            client.chat_postMessage(channel=user, text=text)
        except SlackApiError as error:
            logger.warning("the subscription confirmation for %s was lost: %s", user, error.response.get("error"))


def _acknowledge(ack: Ack) -> None:
    """An empty 200 at once: the work follows in a lazy listener."""
    ack()


def register_subscription_modal(
    app: App,
    services: Services,
    slack_access: SlackAccess | None = None,
    *,
    slash_command: str = "/deskbot",
) -> SubscriptionModal | None:
    """Wire the form: the Manage button, a channel picked in the form, and the submission.

    `slack_access` checks admins and the bot's channels (default: the one the typed
    commands use, `services.schedule.slack`). Nothing is wired without scheduled posts.
    """
    schedule = services.schedule
    if schedule is None:
        return None
    modal = SubscriptionModal(schedule, slack_access if slack_access is not None else schedule.slack, slash_command)
    app.action(MANAGE_ACTION_ID)(ack=_acknowledge, lazy=[modal.on_manage])
    app.action(CHANNEL_ACTION)(ack=_acknowledge, lazy=[modal.on_channel_picked])
    app.view(CALLBACK_ID)(ack=modal.on_submit, lazy=[modal.confirm])
    return modal


__all__ = ["CONFIRMATION_KEY", "SubscriptionModal", "deliver_reply", "open_modal", "register_subscription_modal"]
