"""The App Home tab: when a user opens it, publish the desk at a glance for them.

Slack sends `app_home_opened` every time a user opens one of the app's tabs; the listener acks
at once and builds and publishes the view in Bolt's lazy-listener threads. A view is kept per
user for the minute it was built in, and for as long as the data it shows (the newest close,
result, fixing) and the subscriptions are unchanged, so opening Home again is one
`views.publish` call. The market part is the same for everyone and is built once per minute
and data, so a desk opening Home at 9:00 asks the sources once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock, system_clock
from bot.execution import new_ref
from bot.storage.health import OUTAGE_ERRORS
from commands import blocks
from commands.home import Desk, desk_at, home_marks, home_view
from commands.schedule.model import SlackAccess, Subscription
from commands.services import Services
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

HOME_EVENT = "app_home_opened"
# users.conversations pages to read (1,000 channels each) before showing every channel's subscriptions.
MAX_CHANNEL_PAGES = 5


@dataclass(frozen=True)
class _Kept:
    key: tuple[Any, ...]
    view: dict[str, Any]


@dataclass(frozen=True)
class Published:
    """What one opening of the Home tab did: the view, whether it came from the cache, how long it took."""

    view: dict[str, Any]
    cached: bool
    build_ms: float
    delivered: bool


class HomePublisher:
    """Builds a user's Home view (`commands.home`) and publishes it with `views.publish`.

    `admins` answers whether the user may change subscriptions (the Manage button); it
    defaults to the one the subscription commands use (`services.schedule.slack`).
    `channels_of` lists the channels a user is in; by default Slack's `users.conversations`.
    """

    def __init__(
        self,
        services: Services,
        clock: Clock = system_clock,
        *,
        slash_command: str = "/deskbot",
        admins: SlackAccess | None = None,
        channels_of: Callable[[WebClient, str], set[str]] | None = None,
    ) -> None:
        self._services = services
        self._clock = clock
        self._slash_command = slash_command
        schedule = services.schedule
        self._admins = admins if admins is not None else (schedule.slack if schedule is not None else None)
        self._channels_of = channels_of or user_channels
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()
        self._desk: tuple[tuple[Any, ...], Desk] | None = None
        self._desk_lock = threading.Lock()  # one build of the market part at a time; the others reuse it

    # -- the Bolt listener -------------------------------------------------------------------------

    def on_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        """The lazy half of the listener: publish the Home tab (the Messages tab needs nothing)."""
        if event.get("tab") != "home" or not event.get("user"):
            return
        user_id = str(event["user"])
        try:
            result = self.publish(client, user_id)
        except Exception:
            ref = new_ref()
            logger.exception("Home tab for %s failed (ref %s)", user_id, ref)
            self._publish_failure(client, user_id, ref)
            return
        logger.info(
            "Home tab for %s %s in %.0f ms%s",
            user_id,
            "from the cache" if result.cached else "built",
            result.build_ms,
            "" if result.delivered else " (not delivered)",
        )

    # -- building and publishing -------------------------------------------------------------------

    def publish(self, client: WebClient, user_id: str) -> Published:
        """Build (or reuse) the user's view and publish it; `delivered` says whether Slack took it."""
        started = time.perf_counter()
        view, cached = self.view_for(client, user_id)
        build_ms = (time.perf_counter() - started) * 1000
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            details = error.response.get("response_metadata", {}).get("messages") or ""
            logger.warning("views.publish for %s failed: %s %s", user_id, error.response.get("error"), details)
            return Published(view, cached, build_ms, delivered=False)
        return Published(view, cached, build_ms, delivered=True)

    def view_for(self, client: WebClient, user_id: str) -> tuple[dict[str, Any], bool]:
        """The user's view for this minute and this data, and whether it was kept from an earlier opening."""
        minute = self._clock().astimezone(DESK_TZ).replace(second=0, microsecond=0)
        subscriptions, note = self._all_subscriptions()
        key = (minute, home_marks(self._services), None if subscriptions is None else tuple(subscriptions))
        with self._lock:
            kept = self._kept.get(user_id)
        if kept is not None and kept.key == key:
            return kept.view, True
        is_admin = self._admins.may_change_subscriptions(user_id) if self._admins is not None else False
        shown, channels_note = self._users_subscriptions(client, user_id, subscriptions)
        view = home_view(
            self._services,
            minute,
            user_id,
            is_admin,
            shown,
            slash_command=self._slash_command,
            subscriptions_note=note or channels_note,
            desk=self._desk_for(minute, key[1]),
        )
        # Kept under the data as it is after the build (which may have fetched newer data).
        key = (minute, home_marks(self._services), key[2])
        with self._lock:
            self._kept = {user: found for user, found in self._kept.items() if found.key[0] == minute}
            self._kept[user_id] = _Kept(key, view)
        return view, False

    def _desk_for(self, minute: datetime, marks: tuple[Any, ...]) -> Desk:
        """The market sections for this minute and data: built by the first opening, reused by the rest."""
        with self._desk_lock:
            if self._desk is not None and self._desk[0] in ((minute, marks), (minute, home_marks(self._services))):
                return self._desk[1]
            desk = desk_at(self._services, minute, self._slash_command)
            self._desk = ((minute, home_marks(self._services)), desk)
            return desk

    def _all_subscriptions(self) -> tuple[list[Subscription] | None, str]:
        schedule = self._services.schedule
        if schedule is None:
            return None, "scheduled posts are not set up in this deployment"
        try:
            return schedule.store.all(), ""
        except OUTAGE_ERRORS as error:
            logger.warning("Home tab: subscriptions unreadable, the database failed (%s)", type(error).__name__)
            return None, "the database is unavailable, so subscriptions cannot be read right now"

    def _users_subscriptions(
        self, client: WebClient, user_id: str, subscriptions: list[Subscription] | None
    ) -> tuple[list[Subscription] | None, str]:
        """The subscriptions of the user's channels; every channel's when Slack cannot say which are theirs."""
        if not subscriptions:
            return subscriptions, ""
        try:
            channels = self._channels_of(client, user_id)
        except SlackApiError as error:
            reason = error.response.get("error")
            logger.warning("users.conversations for %s failed: %s", user_id, reason)
            return subscriptions, f"Showing every channel's: Slack would not list yours (`{reason}`)"
        return [s for s in subscriptions if s.channel_id in channels], ""

    def _publish_failure(self, client: WebClient, user_id: str, ref: str) -> None:
        text = (
            f":x: The Home tab could not be built (ref {ref}). "
            "The error has been logged; quote the ref when you report it."
        )
        view = {"type": "home", "blocks": [blocks.header("deskbot"), *blocks.sections(text)]}
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            logger.warning("views.publish for %s failed: %s", user_id, error.response.get("error"))


def user_channels(client: WebClient, user_id: str) -> set[str]:
    """The public and private channels `user_id` is in, as Slack lists them to the bot."""
    found: set[str] = set()
    cursor = None
    for _ in range(MAX_CHANNEL_PAGES):
        page = client.users_conversations(
            user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
        )
        listed: list[dict[str, Any]] = page.get("channels") or []
        found.update(str(channel["id"]) for channel in listed)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found


def _acknowledge(ack: Ack) -> None:
    """An empty 200 at once: the view follows through views.publish."""
    ack()


def register_home(app: App, publisher: HomePublisher) -> None:
    """Answer `app_home_opened`: ack inline, publish the view in a lazy listener."""
    app.event(HOME_EVENT)(ack=_acknowledge, lazy=[publisher.on_home_opened])


__all__ = ["HOME_EVENT", "HomePublisher", "Published", "register_home", "user_channels"]
