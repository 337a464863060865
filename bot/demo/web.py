"""The demo's browser view: the workspace's channels as JSON, chart files, and a message box that sends
signed slash commands to the running bot exactly as Slack would."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn

DEMO_USER = "U0NEWCOMER"
SHORT_COMMANDS = ("/yields", "/curve", "/auction", "/funding", "/basis", "/dealers")


@dataclass
class SentCommand:
    key: str
    channel: str
    text: str
    ts: str


class DemoWeb:
    """Routes for the page; the bot itself is a separate `deskbot serve` process."""

    def __init__(self, workspace: SlackStandIn, signing_secret: str, events_url: str = "") -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.events_url = events_url
        self._sent: dict[str, SentCommand] = {}
        # How real time maps to the replay's desk time, for labelling messages (set by the runner).
        self.clock: dict[str, float | str] = {}
        self._lock = threading.Lock()

    # -- GET ---------------------------------------------------------------
    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path
        if route in ("/", "/index.html"):
            page = resources.files("bot.demo").joinpath("page.html").read_bytes()
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        if route == "/demo/state":
            return 200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, self.state_json()
        if route.startswith("/demo/files/"):
            try:
                png = self.workspace.uploaded_bytes(route.removeprefix("/demo/files/"))
            except KeyError:
                return 404, {"Content-Type": "text/plain"}, b"no such file"
            return 200, {"Content-Type": "image/png", "Cache-Control": "max-age=3600"}, png
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def state_json(self) -> bytes:
        workspace = self.workspace
        channels = [
            {"id": c.id, "name": c.name}
            for c in workspace.channels.values()
            if c.bot_is_member and c.id in ("C0DESK", "C0AUCTIONS", "C0MANAGERS")
        ]
        items: list[dict[str, Any]] = []
        for channel, messages in list(workspace.messages.items()):
            for message in list(messages):
                items.append(
                    {
                        "kind": "bot",
                        "channel": channel,
                        "ts": message["ts"],
                        "thread_ts": message.get("thread_ts"),
                        "text": message.get("text", ""),
                        "blocks": message.get("blocks"),
                    }
                )
        for share in list(workspace.file_shares):
            items.append(
                {
                    "kind": "file",
                    "channel": share["channel"],
                    "ts": share["ts"],
                    "thread_ts": share["thread_ts"],
                    "title": share["title"],
                    "url": f"/demo/files/{share['file_id']}",
                }
            )
        with self._lock:
            sent = list(self._sent.values())
        for command in sent:
            items.append({"kind": "user", "channel": command.channel, "ts": command.ts, "text": command.text})
        answered: dict[str, dict[str, Any]] = {}  # the message each response_url last set, as Slack shows it
        for call in workspace.calls_to(RESPONSE_URL):
            key = call.path.rsplit("/", 1)[-1]
            sent_command = self._sent.get(key)
            if sent_command is None:
                continue
            params = call.params
            shown = {
                "kind": "bot" if params.get("response_type") == "in_channel" else "ephemeral",
                "channel": sent_command.channel,
                "ts": call.ts or sent_command.ts,
                "text": params.get("text", ""),
                "blocks": params.get("blocks"),
            }
            earlier = answered.get(key)
            if params.get("replace_original") and earlier is not None:
                earlier.update({**shown, "ts": earlier["ts"]})  # replaced where it stands
                continue
            answered[key] = shown
            items.append(shown)
        items.sort(key=lambda item: _ts_key(item["ts"]))
        for item in items:
            item["at"] = workspace.ts_times.get(item["ts"], _ts_key(item["ts"])[0])
        return json.dumps({"channels": channels, "items": items, "clock": self.clock}).encode()

    # -- POST --------------------------------------------------------------
    def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if urlsplit(path).path != "/demo/command":
            return 404, {"Content-Type": "text/plain"}, b"not found"
        try:
            request = json.loads(body or b"{}")
            channel, typed = str(request["channel"]), str(request["text"]).strip()
        except (ValueError, KeyError, TypeError):
            return 400, {"Content-Type": "application/json"}, b'{"error": "send {channel, text}"}'
        if not typed.startswith("/"):
            return 400, {"Content-Type": "application/json"}, b'{"error": "type a slash command, e.g. /yields 30y"}'
        status = self.send_command(channel, typed)
        return 200, {"Content-Type": "application/json"}, json.dumps({"bot_status": status}).encode()

    def send_command(self, channel: str, typed: str) -> int:
        """Sign and POST the slash command to the bot, with a response_url back into this workspace."""
        command, _, text = typed.partition(" ")
        if command.lower() not in SHORT_COMMANDS:
            command, text = "/deskbot", typed.removeprefix("/deskbot").strip()
        key = uuid.uuid4().hex[:12]
        with self._lock:
            self._sent[key] = SentCommand(key, channel, typed, self.workspace.next_ts())
        fields = {
            "token": "demo",
            "team_id": "T0DESK",
            "team_domain": "rates-desk",
            "channel_id": channel,
            "channel_name": self.workspace.channels[channel].name if channel in self.workspace.channels else channel,
            "user_id": DEMO_USER,
            "user_name": "newcomer",
            "command": command.lower(),
            "text": text,
            "api_app_id": "A0DESKBOT",
            "response_url": self.workspace.response_url(key),
            "trigger_id": key,
        }
        body = urlencode(fields).encode()
        stamp = str(int(time.time()))
        digest = hmac.new(self.signing_secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest}",
        }
        try:
            return httpx.post(self.events_url, content=body, headers=headers, timeout=10).status_code
        except httpx.HTTPError:
            return 0


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, counter = ts.partition(".")
    try:
        return int(seconds), int(counter or 0)
    except ValueError:
        return 0, 0
