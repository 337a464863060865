"""The demo's browser view: the workspace's channels as JSON, chart files, and a message box that sends
signed slash commands to the running bot exactly as Slack would.

The page also drives what Slack sends for the app's other surfaces, each signed as Slack signs it:
opening the Home tab (an `app_home_opened` event), pressing a button under an answer or on Home
(a `block_actions` interaction), picking a channel in a modal (`block_actions` from the view) and
submitting a modal (`view_submission`, whose HTTP answer says whether the modal closes or which
fields show an error).
"""

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

from bot.demo.slack_workspace import BOT_USER_ID, RESPONSE_URL, TEAM_ID, SlackStandIn

DEMO_USER = "U0NEWCOMER"  # a deskbot admin in the demo (DESKBOT_ADMINS), so Home shows Manage
DEMO_USER_NAME = "newcomer"
APP_ID = "A0DESKBOT"
APP_CHANNEL = "D0DESKBOT"  # the user's conversation with the app, where its Home tab lives
SHORT_COMMANDS = ("/yields", "/curve", "/auction", "/funding", "/basis", "/dealers")
SHOWN_CHANNELS = ("C0DESK", "C0AUCTIONS", "C0MANAGERS")
JSON = {"Content-Type": "application/json"}


@dataclass
class SentCommand:
    """A response_url handed to the bot: for a typed command, or for a button pressed on a message."""

    key: str
    channel: str
    text: str
    ts: str
    origin_ts: str | None = None  # a button's: the message it was on (what replace/delete_original act on)
    typed: bool = True  # shown in the channel as the user's line


class DemoWeb:
    """Routes for the page; the bot itself is a separate `deskbot serve` process."""

    def __init__(self, workspace: SlackStandIn, signing_secret: str, events_url: str = "") -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.events_url = events_url
        self._sent: dict[str, SentCommand] = {}
        # How real time maps to the replay's desk time, for labelling messages (set by the runner).
        self.clock: dict[str, float | str] = {}
        self._closed_views: set[str] = set()  # modals submitted (and closed) or cancelled
        self._lock = threading.Lock()

    # -- GET ---------------------------------------------------------------
    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path
        if route in ("/", "/index.html"):
            page = resources.files("bot.demo").joinpath("page.html").read_bytes()
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        if route == "/demo/state":
            return 200, {**JSON, "Cache-Control": "no-store"}, self.state_json()
        if route == "/demo/home":
            shown = {"user": DEMO_USER, "view": self.workspace.home_views.get(DEMO_USER)}
            return 200, {**JSON, "Cache-Control": "no-store"}, json.dumps(shown).encode()
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
            if c.bot_is_member and c.id in SHOWN_CHANNELS
        ]
        # What a conversations_select lists: every channel the user can see, the bot in it or not.
        conversations = [{"id": c.id, "name": c.name} for c in workspace.channels.values()]
        home = workspace.home_views.get(DEMO_USER)
        state = {
            "channels": channels,
            "conversations": conversations,
            "items": self._items(),
            "clock": self.clock,
            "user": {"id": DEMO_USER, "name": DEMO_USER_NAME},
            "home": None if home is None else {"blocks": home.get("blocks") or []},
            "modal": self.open_modal(),
        }
        return json.dumps(state).encode()

    def _items(self) -> list[dict[str, Any]]:
        """Every message the user sees, in order: the bot's posts, files, typed commands and the answers."""
        workspace = self.workspace
        items: list[dict[str, Any]] = []
        by_ts: dict[str, dict[str, Any]] = {}
        for channel, messages in list(workspace.messages.items()):
            for message in list(messages):
                item = {
                    "kind": "bot",
                    "channel": channel,
                    "ts": message["ts"],
                    "thread_ts": message.get("thread_ts"),
                    "text": message.get("text", ""),
                    "blocks": message.get("blocks"),
                }
                items.append(item)
                by_ts[item["ts"]] = item
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
        for message in list(workspace.ephemerals):
            if message["user"] != DEMO_USER:
                continue
            item = {
                "kind": "ephemeral",
                "channel": message["channel"],
                "ts": message["ts"],
                "text": message.get("text", ""),
                "blocks": message.get("blocks"),
            }
            items.append(item)
            by_ts[item["ts"]] = item
        with self._lock:
            sent = dict(self._sent)
        for command in sent.values():
            if command.typed:
                items.append({"kind": "user", "channel": command.channel, "ts": command.ts, "text": command.text})
        answered: dict[str, dict[str, Any]] = {}  # the message each response_url last set, as Slack shows it
        for call in workspace.calls_to(RESPONSE_URL):
            key = call.path.rsplit("/", 1)[-1]
            sent_command = sent.get(key)
            if sent_command is None:
                continue
            params = call.params
            # A button's link replaces or deletes the message the button was on, whatever it posted since;
            # a command's, the answer it sent last.
            if sent_command.origin_ts is not None:
                earlier = by_ts.get(sent_command.origin_ts)
            else:
                earlier = answered.get(key)
            if params.get("delete_original"):
                if earlier is not None:
                    earlier["deleted"] = True
                continue
            shown = {
                "kind": "bot" if params.get("response_type") == "in_channel" else "ephemeral",
                "channel": sent_command.channel,
                "ts": call.ts or sent_command.ts,
                "text": params.get("text", ""),
                "blocks": params.get("blocks"),
            }
            if params.get("replace_original") and earlier is not None:
                earlier.update({**shown, "ts": earlier["ts"]})  # replaced where it stands
                continue
            answered[key] = shown
            by_ts[shown["ts"]] = shown
            items.append(shown)
        items = [item for item in items if not item.pop("deleted", False)]
        items.sort(key=lambda item: _ts_key(item["ts"]))
        for item in items:
            item["at"] = workspace.ts_times.get(item["ts"], _ts_key(item["ts"])[0])
        return items

    def open_modal(self) -> dict[str, Any] | None:
        """The modal on the user's screen: the latest opened (as views.update left it) not yet closed."""
        with self._lock:
            closed = set(self._closed_views)
        for view_id, view in reversed(list(self.workspace.views.items())):
            if view_id not in closed:
                return view
        return None

    # -- POST --------------------------------------------------------------
    def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path
        handlers = {
            "/demo/command": self._post_command,
            "/demo/home": self._post_home,
            "/demo/action": self._post_action,
            "/demo/view_submission": self._post_view_submission,
            "/demo/view_closed": self._post_view_closed,
        }
        handler = handlers.get(route)
        if handler is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        try:
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise TypeError("not an object")
            return handler(request)
        except (ValueError, KeyError, TypeError) as error:
            return 400, JSON, json.dumps({"error": f"bad request: {error}"}).encode()

    def _post_command(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        channel, typed = str(request["channel"]), str(request["text"]).strip()
        if not typed.startswith("/"):
            return 400, JSON, b'{"error": "type a slash command, e.g. /yields 30y"}'
        status = self.send_command(channel, typed)
        return 200, JSON, json.dumps({"bot_status": status}).encode()

    def _post_home(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        status = self.open_home(str(request.get("user") or DEMO_USER))
        return 200, JSON, json.dumps({"bot_status": status}).encode()

    def _post_action(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        surface = request.get("surface", "message")
        if surface == "message":
            status = self.press_message_button(
                str(request["ts"]), str(request["action_id"]), request.get("block_id"), request.get("value")
            )
        elif surface == "home":
            status = self.press_home_button(str(request["action_id"]), request.get("block_id"), request.get("value"))
        elif surface == "modal":
            status = self.modal_action(
                str(request["view_id"]), str(request["block_id"]), str(request["action_id"]), request.get("values")
            )
        else:
            return 400, JSON, b'{"error": "surface is message, home or modal"}'
        if status is None:
            return 404, JSON, b'{"error": "no such message or view"}'
        return 200, JSON, json.dumps({"bot_status": status}).encode()

    def _post_view_submission(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        found = self.submit_modal(str(request["view_id"]), request.get("values"))
        if found is None:
            return 404, JSON, b'{"error": "no such view"}'
        return 200, JSON, json.dumps(found).encode()

    def _post_view_closed(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        view_id = str(request["view_id"])
        view = self.workspace.views.get(view_id)
        with self._lock:
            self._closed_views.add(view_id)
        status = 200
        if view is not None and view.get("notify_on_close"):  # Slack tells the app only when it asked
            payload = {**self._interaction("view_closed"), "view": view, "is_cleared": False}
            status = self._post_interaction(payload)[0]
        return 200, JSON, json.dumps({"bot_status": status}).encode()

    # -- what Slack sends ----------------------------------------------------------------------------
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
            "team_id": TEAM_ID,
            "team_domain": "rates-desk",
            "channel_id": channel,
            "channel_name": self._channel_name(channel),
            "user_id": DEMO_USER,
            "user_name": DEMO_USER_NAME,
            "command": command.lower(),
            "text": text,
            "api_app_id": APP_ID,
            "response_url": self.workspace.response_url(key),
            # One the workspace issued, so views.open takes it (e.g. `/deskbot subscribe` opens the form).
            "trigger_id": self.workspace.issue_trigger_id(),
        }
        return self._post_signed(urlencode(fields).encode(), "application/x-www-form-urlencoded")[0]

    def open_home(self, user: str = DEMO_USER) -> int:
        """The user opened the app's Home tab: Slack's `app_home_opened` event, signed; the bot publishes."""
        now = time.time()
        envelope = {
            "token": "demo",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": APP_CHANNEL,
                "tab": "home",
                "event_ts": f"{now:.6f}",
            },
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(now),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return self._post_signed(json.dumps(envelope).encode(), "application/json")[0]

    def press_message_button(self, ts: str, action_id: str, block_id: Any, value: Any) -> int | None:
        """A button under a message pressed: `block_actions` with a fresh trigger id and response_url.

        The response_url is the press's own, as in Slack; answers through it land in the message's
        channel, and `replace_original`/`delete_original` act on the message the button was on.
        """
        message = next((item for item in self._items() if item["ts"] == ts), None)
        if message is None or message["kind"] not in ("bot", "ephemeral"):
            return None
        channel = message["channel"]
        ephemeral = message["kind"] == "ephemeral"
        key = uuid.uuid4().hex[:12]
        with self._lock:
            self._sent[key] = SentCommand(key, channel, "", self.workspace.next_ts(), origin_ts=ts, typed=False)
        payload = {
            **self._interaction("block_actions"),
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "state": {"values": {}},
            "response_url": self.workspace.response_url(key),
            "actions": [_button_action(action_id, block_id, value)],
        }
        if not ephemeral:  # Slack sends the message only when it is not ephemeral
            payload["message"] = {
                "type": "message",
                "user": BOT_USER_ID,
                "ts": ts,
                "text": message.get("text", ""),
                "blocks": message.get("blocks") or [],
            }
        return self._post_interaction(payload)[0]

    def press_home_button(self, action_id: str, block_id: Any, value: Any) -> int | None:
        """A button on the Home tab pressed (Manage): `block_actions` from the home view, no response_url."""
        home = self.workspace.home_views.get(DEMO_USER)
        if home is None:
            return None
        view = {**_view_of(home, f"VHOME{DEMO_USER}"), "type": "home"}
        payload = {
            **self._interaction("block_actions"),
            "container": {"type": "view", "view_id": view["id"]},
            "view": view,
            "actions": [_button_action(action_id, block_id, value)],
        }
        return self._post_interaction(payload)[0]

    def modal_action(self, view_id: str, block_id: str, action_id: str, values: Any) -> int | None:
        """An element with `dispatch_action` changed in a modal (the channel picked): `block_actions` from the view."""
        view = self.workspace.views.get(view_id)
        if view is None:
            return None
        state = state_values(view, values if isinstance(values, dict) else {})
        changed = dict((state.get(block_id) or {}).get(action_id) or {"type": "button"})
        action = {**changed, "action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
        payload = {
            **self._interaction("block_actions"),
            "container": {"type": "view", "view_id": view_id},
            "view": {**_view_of(view, view_id), "state": {"values": state}},
            "actions": [action],
        }
        return self._post_interaction(payload)[0]

    def submit_modal(self, view_id: str, values: Any) -> dict[str, Any] | None:
        """Submit the modal: `view_submission` with `view.state.values`; the bot's HTTP answer decides.

        Returns `{"bot_status", "response", "closed"}`: `response` is the bot's `response_action`
        body (`errors` keeps the modal open with a message on each field), empty closes it.
        """
        view = self.workspace.views.get(view_id)
        if view is None:
            return None
        state = state_values(view, values if isinstance(values, dict) else {})
        payload = {
            **self._interaction("view_submission"),
            "view": {**_view_of(view, view_id), "state": {"values": state}},
            "response_urls": [],
        }
        status, body = self._post_interaction(payload)
        try:
            response = json.loads(body) if body.strip() else None
        except ValueError:
            response = None
        action = (response or {}).get("response_action") if isinstance(response, dict) else None
        closed = status == 200 and action in (None, "clear")
        if closed:
            with self._lock:
                self._closed_views.add(view_id)
        return {"bot_status": status, "response": response, "closed": closed}

    # -- signing and sending ---------------------------------------------------------------------------
    def _interaction(self, kind: str) -> dict[str, Any]:
        """The fields every interaction payload carries."""
        return {
            "type": kind,
            "team": {"id": TEAM_ID, "domain": "rates-desk"},
            "user": {"id": DEMO_USER, "username": DEMO_USER_NAME, "name": DEMO_USER_NAME, "team_id": TEAM_ID},
            "api_app_id": APP_ID,
            "token": "demo",
            "trigger_id": self.workspace.issue_trigger_id(),
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _post_interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        """POST an interaction as Slack does: a form body `payload=<json>`, signed."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post_signed(body, "application/x-www-form-urlencoded")

    def _post_signed(self, body: bytes, content_type: str) -> tuple[int, str]:
        """POST `body` to the bot's /slack/events signed with the signing secret; (status, text), 0 if unreachable."""
        stamp = str(int(time.time()))
        digest = hmac.new(self.signing_secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": f"v0={digest}",
        }
        try:
            response = httpx.post(self.events_url, content=body, headers=headers, timeout=10)
        except httpx.HTTPError:
            return 0, ""
        return response.status_code, response.text

    def _channel_name(self, channel: str) -> str:
        found = self.workspace.channels.get(channel)
        return found.name if found is not None else channel


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`view.state.values` as Slack sends it: block_id → action_id → the element's value, shaped by its type.

    `values` maps each input block's id to what the page's control holds: a conversation id,
    a list of option values (checkboxes, multi-selects), one option value, or text.
    """
    state: dict[str, dict[str, Any]] = {}
    for index, block in enumerate(view.get("blocks") or []):
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        kind, action_id = element.get("type"), element.get("action_id") or f"a{index}"
        block_id = block.get("block_id") or f"b{index}"
        raw = values.get(block_id)
        shaped: dict[str, Any] = {"type": kind}
        if kind == "conversations_select":
            shaped["selected_conversation"] = raw or None
        elif kind == "channels_select":
            shaped["selected_channel"] = raw or None
        elif kind == "users_select":
            shaped["selected_user"] = raw or None
        elif kind in ("checkboxes", "multi_static_select"):
            picked = [str(v) for v in raw] if isinstance(raw, list) else []
            shaped["selected_options"] = [o for o in _options(element) if str(o.get("value")) in picked]
        elif kind in ("static_select", "radio_buttons"):
            shaped["selected_option"] = next((o for o in _options(element) if o.get("value") == raw), None)
        else:  # number_input, plain_text_input and the like: the text as typed, null when empty
            shaped["value"] = None if raw in (None, "") else str(raw)
        state[block_id] = {action_id: shaped}
    return state


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    return options + [o for group in element.get("option_groups") or [] for o in group.get("options") or []]


def _view_of(view: dict[str, Any], view_id: str) -> dict[str, Any]:
    """A view as an interaction payload carries it."""
    return {
        **view,
        "id": view.get("id") or view_id,
        "team_id": TEAM_ID,
        "app_id": APP_ID,
        "bot_id": "B0DESKBOT",
        "callback_id": view.get("callback_id", ""),
        "private_metadata": view.get("private_metadata", ""),
        "hash": view.get("hash", ""),
        "state": {"values": {}},
    }


def _button_action(action_id: str, block_id: Any, value: Any) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": str(block_id or "actions"),
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = str(value)
    return action


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, counter = ts.partition(".")
    try:
        return int(seconds), int(counter or 0)
    except ValueError:
        return 0, 0
