"""What only Slack can answer for the subscription commands: admins and channel membership."""

from __future__ import annotations

import logging
from collections.abc import Collection

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)


class SlackAccess:
    """Checks rights on every call (no cache: a demoted admin loses rights at once)."""

    def __init__(self, client: WebClient, admins: Collection[str] = ()) -> None:
        self._client = client
        self._admins = frozenset(admins)

    def may_change_subscriptions(self, user_id: str | None) -> bool:
        if not user_id:
            return False
        if user_id in self._admins:
            return True
        try:
            user = self._client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.warning("users.info for %s failed: %s", user_id, error.response.get("error"))
            return False
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    def bot_channel_problem(self, channel_id: str) -> str | None:
        try:
            channel = self._client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as error:
            reason = error.response.get("error")
            if reason == "channel_not_found":
                return f"I can't see <#{channel_id}>: invite me there with `/invite @deskbot`, then try again."
            logger.warning("conversations.info for %s failed: %s", channel_id, reason)
            return f"I couldn't check <#{channel_id}> (Slack said `{reason}`)."
        if not channel.get("is_member"):
            return f"I'm not a member of <#{channel_id}>: invite me with `/invite @deskbot` there, then try again."
        return None
