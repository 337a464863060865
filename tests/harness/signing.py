"""Signed slash-command requests, exactly as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

import httpx


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's `v0=` HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_command_body(
    text: str,
    response_url: str,
    *,
    command: str = "/deskbot",
    user_id: str = "U0TRADER",
    channel_id: str = "C0DESK",
    team_id: str = "T0DESK",
    trigger_id: str | None = None,
) -> bytes:
    """The form body Slack posts for a slash command (fields as in Slack's docs)."""
    fields = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "rates-desk",
        "channel_id": channel_id,
        "channel_name": "rates-desk",
        "user_id": user_id,
        "user_name": "trader",
        "command": command,
        "text": text,
        "api_app_id": "A0DESKBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        # Slack's trigger_id differs on every invocation, so two identical commands never sign alike.
        "trigger_id": trigger_id or f"13345224609.738474920.{secrets.token_hex(10)}",
    }
    return urlencode(fields).encode()


def signed_headers(secret: str, body: bytes, timestamp: float | None = None) -> dict[str, str]:
    """Headers for `body` signed with `secret` at `timestamp` (default: now)."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


def send_slash_command(
    events_url: str,
    secret: str,
    text: str,
    response_url: str,
    *,
    timestamp: float | None = None,
    client: httpx.Client | None = None,
    **fields: str,
) -> httpx.Response:
    """POST a signed slash command to the bot, as Slack would."""
    body = slash_command_body(text, response_url, **fields)
    headers = signed_headers(secret, body, timestamp)
    if client is not None:
        return client.post(events_url, content=body, headers=headers)
    return httpx.post(events_url, content=body, headers=headers, timeout=10)
