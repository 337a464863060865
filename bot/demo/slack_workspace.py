"""A local stand-in for the Slack Web API, files v2 uploads and response_url (tests and `deskbot demo`).

It records every call, answers with Slack's real response and error
shapes, checks Block Kit limits like Slack does (`invalid_blocks`), and can
be told to misbehave the way Slack does: an error or a 429 storm for the next
calls to one method (or to `ANY` method), a revoked token, an expired
response_url, a slow answer.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from bot.demo.local_server import LocalServer
from commands.blocks import table_cells

RESPONSE_URL = "response_url"
MAX_VIEW_BLOCKS = 100  # a Home tab view (or a modal) holds at most 100 blocks
MAX_VIEW_BYTES = 250_000  # views.publish answers `view_too_large` above about 250 kB
UPLOAD = "upload"
ANY = "*"  # scripts a fault for whichever method is called next
BOT_USER_ID = "U0DESKBOT"
TEAM_ID = "T0DESK"
# Trigger ids the stand-in takes without being issued them: the shape tests/harness/signing.py sends.
TRIGGER_PREFIX = "13345224609."
MAX_MODAL_TITLE_CHARS = 24  # a modal's title, submit and close labels
MAX_OPTION_CHARS = 75  # an option's text and description


@dataclass
class Call:
    """One request the stand-in received."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    at: float
    status: int = 200
    body: bytes = b""
    ts: str = ""  # for response_url posts: where they fall among the workspace's messages


@dataclass
class Channel:
    id: str
    name: str
    bot_is_member: bool = True


class WebRoutes(Protocol):
    """Extra routes on the workspace's server; each returns (status, headers, body)."""

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]: ...

    def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]: ...


@dataclass
class _Scripted:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


# What a response_url answers for each error, as Slack does: (HTTP status, plain-text body).
RESPONSE_URL_ERRORS = {
    "invalid_blocks": (400, "invalid_blocks"),
    "invalid_attachments": (400, "invalid_attachments"),  # e.g. two table blocks in one message
    "invalid_payload": (400, "invalid_payload"),
    "expired_url": (404, "Expired url"),  # more than 30 minutes after the command
    "used_url": (404, "used_url"),  # used more than five times
    "internal_error": (500, "internal_error"),
    "service_unavailable": (503, "service_unavailable"),
}


@dataclass
class SlackStandIn:
    """Start with `with SlackStandIn() as slack:`; point the bot at `slack.api_url`."""

    token: str = "xoxb-test-token"
    app_token: str = "xapp-test-app-token"
    socket_mode_url: str | None = None
    channels: dict[str, Channel] = field(
        default_factory=lambda: {
            "C0DESK": Channel("C0DESK", "rates-desk"),
            "C0QUIET": Channel("C0QUIET", "managers", bot_is_member=False),
            "C0AUCTIONS": Channel("C0AUCTIONS", "auctions"),
            "C0MANAGERS": Channel("C0MANAGERS", "desk-managers"),
        }
    )

    admins: set[str] = field(default_factory=lambda: {"U0ADMIN"})
    port: int = 0
    # Pages served beside the API (the demo's browser view): GET requests and POSTs under /demo/.
    web: WebRoutes | None = None
    # Bot tokens accepted besides `token`: several instances, each with its own, tell apart who called.
    extra_tokens: frozenset[str] = frozenset()
    # Called with each call once it has taken effect and before it is answered (to act at that moment).
    on_record: Callable[[Call], None] | None = None
    # The channels each user is in (users.conversations); a user not listed is in every channel.
    user_channels: dict[str, set[str]] = field(default_factory=dict)
    # The app's Home tab (manifest `app_home.home_tab_enabled`); views.publish answers `not_enabled` without it.
    home_tab_enabled: bool = True

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel → posted messages
        self.file_shares: list[dict[str, Any]] = []  # files shared into a channel or thread
        self.ephemerals: list[dict[str, Any]] = []  # chat.postEphemeral messages: channel, user, ts, text, blocks
        self.ts_times: dict[str, float] = {}
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._changed = threading.Condition()
        self._scripted: dict[str, deque[_Scripted]] = defaultdict(deque)
        self._expired: dict[str, str] = {}  # response_url key → error it answers with
        self.token_error: str | None = None  # set by `revoke_token`
        self._uploads: dict[str, bytes] = {}
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._initial_channels = {key: replace(channel) for key, channel in self.channels.items()}
        self.home_views: dict[str, dict[str, Any]] = {}  # user → the Home tab view last published for them
        self.opened_views: list[dict[str, Any]] = []  # modals opened with views.open, in order
        self.views: dict[str, dict[str, Any]] = {}  # view id → the modal as it stands (views.open, views.update)
        self._issued_triggers: set[str] = set()
        self._spent_triggers: dict[str, str] = {}  # trigger id → what views.open answers for it now
        self._server = LocalServer(_handler_for(self), port=self.port)

    # -- lifecycle -------------------------------------------------------
    def __enter__(self) -> SlackStandIn:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "cmd") -> str:
        """A response_url for one slash command; posts to it are recorded as `response_url`."""
        return f"{self.base_url}/commands/{key}"

    def reset(self) -> None:
        """Back to a fresh workspace (no calls, messages or scripted faults), so one server can serve many tests."""
        with self._changed:
            self.calls.clear()
            self.messages.clear()
            self.file_shares.clear()
            self.ephemerals.clear()
            self._delays.clear()
            self._scripted.clear()
            self._expired.clear()
            self.token_error = None
            self.channels = {key: replace(channel) for key, channel in self._initial_channels.items()}
            self.home_views.clear()
            self.opened_views.clear()
            self.views.clear()
            self._issued_triggers.clear()
            self._spent_triggers.clear()

    # -- scripting -------------------------------------------------------
    def fail_next(self, method: str, error: str, count: int = 1) -> None:
        """The next `count` calls to `method` (or `ANY`) get `{"ok": false, "error": error}`.

        For `response_url` the error is one of `RESPONSE_URL_ERRORS`, answered
        with Slack's HTTP status and plain-text body.
        """
        if method == RESPONSE_URL and error not in RESPONSE_URL_ERRORS:
            raise ValueError(f"a response_url answers only {sorted(RESPONSE_URL_ERRORS)}")
        with self._changed:
            self._scripted[method].extend(_Scripted(error=error) for _ in range(count))

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """The next `count` calls to `method` (`response_url`, `upload` or `ANY`) get HTTP 429 with Retry-After.

        `count` > 1 is a 429 storm: every retry is refused too until it has blown over.
        """
        with self._changed:
            self._scripted[method].extend(_Scripted(status=429, retry_after=retry_after) for _ in range(count))

    def expire_response_url(self, key: str = "cmd", error: str = "expired_url") -> None:
        """Every post to this command's response_url gets HTTP 404 from now on (`expired_url` or `used_url`)."""
        self._expired[key] = error

    def revoke_token(self, error: str = "invalid_auth") -> None:
        """Every Web API call answers `error` (`invalid_auth`, `token_revoked`) until `restore_token`.

        response_url posts and uploads need no token, so they still work, as in Slack.
        """
        self.token_error = error

    def restore_token(self) -> None:
        self.token_error = None

    def delay_next(self, method: str, seconds: float) -> None:
        """The next call to `method` is recorded (and takes effect) at once but answered after `seconds`."""
        self._delays[method].append(seconds)

    def issue_trigger_id(self) -> str:
        """A trigger id as Slack puts in a slash command or an interaction, usable once with views.open."""
        trigger_id = f"{next(self._ids)}.{TEAM_ID}.{time.time_ns():x}"
        with self._changed:
            self._issued_triggers.add(trigger_id)
        return trigger_id

    def expire_trigger_id(self, trigger_id: str) -> None:
        """views.open with `trigger_id` answers `expired_trigger_id` (its 3 seconds are over)."""
        with self._changed:
            self._issued_triggers.discard(trigger_id)
            self._spent_triggers[trigger_id] = "expired_trigger_id"

    def take_delay(self, method: str) -> float:
        delays = self._delays.get(method)
        return delays.popleft() if delays else 0.0

    # -- inspection ------------------------------------------------------
    def calls_to(self, method: str, *, key: str | None = None, delivered_only: bool = True) -> list[Call]:
        """Calls to `method`; `key` narrows response_url posts to one command's URL."""
        with self._changed:
            return self._matching(method, key, delivered_only)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, *, key: str | None = None) -> list[Call]:
        """Block until `count` successful calls to `method` arrived; fail loudly if not."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                calls = self._matching(method, key, delivered_only=True)
                if len(calls) >= count:
                    return calls
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(call.method, call.status) for call in self.calls]
                    raise AssertionError(f"expected {count} call(s) to {method} within {timeout}s; saw {seen}")
                self._changed.wait(remaining)

    def _matching(self, method: str, key: str | None, delivered_only: bool) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method
            and (key is None or call.path.endswith("/" + key))
            and (not delivered_only or call.status == 200)
        ]

    def uploaded_bytes(self, file_id: str) -> bytes:
        return self._uploads[file_id]

    # -- request handling (called from server threads) --------------------
    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        if self.on_record is not None:
            self.on_record(call)

    def _take_script(self, method: str) -> _Scripted | None:
        with self._changed:
            for name in (method, ANY):
                queue = self._scripted.get(name)
                if queue:
                    return queue.popleft()
            return None

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        route = urlsplit(path).path
        if route.startswith("/api/"):
            method = route.removeprefix("/api/")
            params = _parse_body(headers, body)
        elif route.startswith("/commands/"):
            method, params = RESPONSE_URL, _parse_body(headers, body)
        elif route.startswith("/upload/"):
            method, params = UPLOAD, {"file_id": route.removeprefix("/upload/")}
        else:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        call = Call(method=method, params=params, headers=headers, path=route, at=time.monotonic(), body=body)
        status, response_headers, response_body = self._answer(call)
        call.status = status
        self._record(call)
        delay = self.take_delay(method)
        if delay:
            time.sleep(delay)  # the effect is recorded; only the answer is late
        return status, response_headers, response_body

    def _answer(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        scripted = self._take_script(call.method)
        if scripted and scripted.status == 429:
            return (
                429,
                {"Retry-After": str(scripted.retry_after), "Content-Type": "application/json"},
                _json({"ok": False, "error": "ratelimited"}),
            )
        if call.method == UPLOAD:
            self._uploads[call.params["file_id"]] = call.body
            return 200, {"Content-Type": "text/plain"}, f"OK - {len(call.body)}".encode()
        if call.method == RESPONSE_URL:
            scripted_error = scripted.error if scripted and scripted.error in RESPONSE_URL_ERRORS else None
            error = self._expired.get(call.path.rsplit("/", 1)[-1]) or scripted_error
            error = error or block_problem(call.params.get("blocks"))
            if error:
                status, text = RESPONSE_URL_ERRORS[error]
                return status, {"Content-Type": "text/plain"}, text.encode()
            call.ts = self._next_ts()  # where the answer falls among the channel's messages
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if scripted and scripted.error:
            return _api_error(scripted.error)
        if self.token_error and call.method != "apps.connections.open":
            return _api_error(self.token_error)
        accepted = {self.app_token} if call.method == "apps.connections.open" else {self.token, *self.extra_tokens}
        if _bearer(call) not in accepted:
            return _api_error("invalid_auth")
        handler = getattr(self, "_api_" + call.method.replace(".", "_"), None)
        if handler is None:
            return _api_error("unknown_method")
        return 200, {"Content-Type": "application/json"}, _json(handler(call.params))

    # -- Web API methods --------------------------------------------------
    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://rates-desk.slack.com/",
            "team": "Rates Desk",
            "user": "deskbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0DESKBOT",
            "is_enterprise_install": False,
        }

    def _api_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_mode_url}

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._refuse_message(params):
            return refusal
        ts = self._next_ts()
        message: dict[str, Any] = {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID, "ts": ts}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        blocks = params.get("blocks")
        if blocks:
            message["blocks"] = json.loads(blocks) if isinstance(blocks, str) else blocks
        metadata = params.get("metadata")
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.messages[str(params["channel"])].append(message)
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Parent messages only, newest first, as Slack documents: thread replies are not listed here."""
        channel = str(params.get("channel"))
        if error := self._channel_error(channel, need_membership=True):
            return {"ok": False, "error": error}
        oldest = float(params.get("oldest") or 0)
        listed = sorted([*self.messages.get(channel, []), *self._file_messages(channel)], key=lambda m: float(m["ts"]))
        found = [
            _shown(message, params)
            for message in reversed(listed)
            if float(message["ts"]) >= oldest and message.get("thread_ts", message["ts"]) == message["ts"]
        ]
        return {"ok": True, "messages": found[: int(params.get("limit") or 100)], "has_more": False}

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent first, then the replies, oldest first (`thread_not_found` for an unknown ts)."""
        channel, parent = str(params.get("channel")), str(params.get("ts"))
        if error := self._channel_error(channel, need_membership=True):
            return {"ok": False, "error": error}
        messages = self.messages.get(channel, [])
        if not any(message["ts"] == parent for message in messages):
            return {"ok": False, "error": "thread_not_found"}
        listed = [*messages, *self._file_messages(channel)]
        thread = [m for m in listed if m["ts"] == parent or m.get("thread_ts") == parent]
        thread.sort(key=lambda m: float(m["ts"]))
        found = [_shown(m, params) for m in thread]
        return {"ok": True, "messages": found[: int(params.get("limit") or 1000)], "has_more": False}

    def _file_messages(self, channel: str) -> list[dict[str, Any]]:
        """Each file shared into `channel` as the message Slack shows for it (in its thread, if any)."""
        found = []
        for share in self.file_shares:
            if share["channel"] != channel:
                continue
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "ts": share["ts"],
                "upload": True,
                "files": [{"id": share["file_id"], "name": share.get("name", ""), "title": share["title"]}],
            }
            if share.get("thread_ts"):
                message["thread_ts"] = share["thread_ts"]
            found.append(message)
        return found

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._refuse_message(params):
            return refusal
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        ts = self._next_ts()
        blocks = params.get("blocks")
        self.ephemerals.append(
            {
                "channel": str(params["channel"]),
                "user": str(params["user"]),
                "ts": ts,
                "text": params.get("text", ""),
                "blocks": (json.loads(blocks) if isinstance(blocks, str) else blocks) or None,
            }
        )
        return {"ok": True, "message_ts": ts}

    def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        if refusal := self._refuse_message(params):
            return refusal
        if not params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": params.get("text", "")}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(params.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {"id": channel.id, "name": channel.name, "is_channel": True, "is_member": channel.bot_is_member},
        }

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user,
                "team_id": TEAM_ID,
                "name": user.lower(),
                "tz": "America/New_York",
                "is_admin": user in self.admins,
                "is_owner": False,
            },
        }

    def _api_users_conversations(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channels `user` is in (the bot's own without `user`), in one page."""
        user = str(params.get("user") or "")
        if user and not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        listed = self.user_channels.get(user) if user else None
        found = [
            {"id": channel.id, "name": channel.name, "is_channel": True, "is_member": channel.bot_is_member}
            for channel in self.channels.values()
            if (channel.bot_is_member if not user else listed is None or channel.id in listed)
        ]
        return {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """A user's Home tab, kept in `home_views`; a bad view is `invalid_arguments` with Slack's messages."""
        user = str(params.get("user_id") or "")
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                return _invalid_arguments("invalid JSON [json-pointer:/view]")
        if not user or not isinstance(view, dict):
            return _invalid_arguments(f"missing required field: {'user_id' if not user else 'view'}")
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "not_found"}
        if view.get("type") != "home":
            return _invalid_arguments("must be home [json-pointer:/view/type]")
        if not self.home_tab_enabled:
            return {"ok": False, "error": "not_enabled"}
        if len(json.dumps(view)) > MAX_VIEW_BYTES:
            return {"ok": False, "error": "view_too_large"}
        shown = view.get("blocks")
        if not isinstance(shown, list) or not 1 <= len(shown) <= MAX_VIEW_BLOCKS:
            return _invalid_arguments("must contain between 1 and 100 blocks [json-pointer:/view/blocks]")
        if problem := block_problem(shown, max_blocks=MAX_VIEW_BLOCKS):
            return _invalid_arguments(f"{problem} [json-pointer:/view/blocks]")
        self.home_views[user] = view
        published = {
            "id": f"V{next(self._ids):010d}",
            "team_id": TEAM_ID,
            "type": "home",
            "blocks": shown,
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "hash": f"{int(time.time())}.{next(self._ids)}",
        }
        return {"ok": True, "view": published}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A modal opened with a trigger id; each is good once (`exchanged_trigger_id` after, as Slack says).

        Trigger ids the stand-in issued (`issue_trigger_id`) or shaped like a slash command's
        (`TRIGGER_PREFIX`) are taken; any other is `expired_trigger_id`.
        """
        trigger_id = str(params.get("trigger_id") or "")
        view = _view_param(params)
        if not trigger_id or view is None:
            return _invalid_arguments(f"missing required field: {'trigger_id' if not trigger_id else 'view'}")
        if problem := modal_problem(view):
            return _invalid_arguments(problem)
        with self._changed:
            if trigger_id in self._spent_triggers:
                return {"ok": False, "error": self._spent_triggers[trigger_id]}
            if trigger_id not in self._issued_triggers and not trigger_id.startswith(TRIGGER_PREFIX):
                return {"ok": False, "error": "expired_trigger_id"}
            self._issued_triggers.discard(trigger_id)
            self._spent_triggers[trigger_id] = "exchanged_trigger_id"
            shown = self._shown_view(f"V{next(self._ids):010d}", view)
            self.opened_views.append(view)
            self.views[shown["id"]] = shown
        return {"ok": True, "view": shown}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """An open modal replaced; `hash` (when given) must be the view's latest, else `hash_conflict`."""
        view_id = str(params.get("view_id") or "")
        view = _view_param(params)
        if not view_id or view is None:
            return _invalid_arguments(f"missing required field: {'view_id' if not view_id else 'view'}")
        if problem := modal_problem(view):
            return _invalid_arguments(problem)
        with self._changed:
            current = self.views.get(view_id)
            if current is None:
                return {"ok": False, "error": "not_found"}
            if params.get("hash") and params["hash"] != current["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            shown = self._shown_view(view_id, view)
            self.views[view_id] = shown
        return {"ok": True, "view": shown}

    def _shown_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """A view as Slack answers it: the id, a new hash, and an empty state."""
        return {
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids)}",
        }

    def _api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename"):
            return {"ok": False, "error": "invalid_arguments"}
        try:
            length = int(params.get("length", ""))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):010d}"
        self._pending_files[file_id] = {"name": params["filename"], "length": length, "alt_txt": params.get("alt_txt")}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel_id = params.get("channel_id")
        if channel_id:
            error = self._channel_error(channel_id, need_membership=True)
            if error:
                return {"ok": False, "error": error}
        shared = []
        for entry in files:
            pending = self._pending_files.get(entry.get("id", ""))
            if pending is None or entry["id"] not in self._uploads:
                return {"ok": False, "error": "file_not_found"}
            shared.append(
                {
                    "id": entry["id"],
                    "name": pending["name"],
                    "title": entry.get("title", pending["name"]),
                    "size": len(self._uploads[entry["id"]]),
                    "mimetype": "image/png",
                }
            )
        for entry in shared:
            self.file_shares.append(
                {
                    "channel": channel_id,
                    "thread_ts": params.get("thread_ts"),
                    "file_id": entry["id"],
                    "name": entry["name"],
                    "title": entry["title"],
                    "ts": self._next_ts(),
                }
            )
        return {"ok": True, "files": shared}

    # -- helpers -----------------------------------------------------------
    def _channel_error(self, channel_id: Any, *, need_membership: bool) -> str | None:
        channel = self.channels.get(str(channel_id))
        if channel is None:
            return "channel_not_found"
        if need_membership and not channel.bot_is_member:
            return "not_in_channel"
        return None

    def _refuse_message(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's error answer for a message it would not post, or None."""
        error = self._channel_error(params.get("channel"), need_membership=True)
        if error is None and not params.get("text") and not params.get("blocks"):
            error = "no_text"
        if error is None:
            error = block_problem(params.get("blocks"))
        return None if error is None else {"ok": False, "error": error}

    def next_ts(self) -> str:
        """A message timestamp, increasing across the whole workspace."""
        return self._next_ts()

    def _next_ts(self) -> str:
        now = time.time()
        ts = f"{int(now)}.{next(self._ids):06d}"
        self.ts_times[ts] = now  # the exact moment, for showing replay time
        return ts


def _shown(message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A message as a read method returns it: metadata only when `include_all_metadata` is asked."""
    shown = dict(message)
    if str(params.get("include_all_metadata", "")).lower() not in ("1", "true"):
        shown.pop("metadata", None)
    return shown


def block_problem(blocks: Any, max_blocks: int = 50) -> str | None:
    """`invalid_blocks` when Slack would refuse these blocks, else None.

    `max_blocks` is 50 for a message; a Home tab or modal view takes 100.
    """
    if blocks is None:
        return None
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return "invalid_blocks"
    if not isinstance(blocks, list) or len(blocks) > max_blocks:
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict) or "type" not in block:
            return "invalid_blocks"
        text = block.get("text")
        if block["type"] == "header" and (not text or text.get("type") != "plain_text" or len(text["text"]) > 150):
            return "invalid_blocks"
        if block["type"] == "section" and text is not None and not 1 <= len(text.get("text", "")) <= 3000:
            return "invalid_blocks"
        if block["type"] == "table" and table_problem(block) is not None:
            return "invalid_blocks"
        if block["type"] == "actions" and actions_problem(block) is not None:
            return "invalid_blocks"
    # Slack shows a table as an attachment at the bottom of its message, and takes one per message.
    if sum(1 for block in blocks if block["type"] == "table") > 1:
        return "invalid_attachments"
    return None


def modal_problem(view: Any) -> str | None:
    """Why Slack would answer `invalid_arguments` to this modal view (with its json-pointer), or None.

    A modal has `type` modal, a plain_text `title` of at most 24 characters (so are `submit` and
    `close`), 1-100 valid blocks, and a `submit` when it has input blocks; options show at most 75 characters.
    """
    if not isinstance(view, dict):
        return "must be an object [json-pointer:/view]"
    if view.get("type") != "modal":
        return "must be modal [json-pointer:/view/type]"
    for name in ("title", "submit", "close"):
        label = view.get(name)
        if label is None and name != "title":
            continue
        if not isinstance(label, dict) or label.get("type") != "plain_text" or not label.get("text"):
            return f"must be a plain_text object [json-pointer:/view/{name}]"
        if len(label["text"]) > MAX_MODAL_TITLE_CHARS:
            return f"must be less than {MAX_MODAL_TITLE_CHARS + 1} characters [json-pointer:/view/{name}/text]"
    shown = view.get("blocks")
    if not isinstance(shown, list) or not 1 <= len(shown) <= MAX_VIEW_BLOCKS:
        return "must contain between 1 and 100 blocks [json-pointer:/view/blocks]"
    if block_problem(shown, max_blocks=MAX_VIEW_BLOCKS):
        return "invalid_blocks [json-pointer:/view/blocks]"
    inputs = [block for block in shown if block.get("type") == "input"]
    if inputs and view.get("submit") is None:
        return "must provide submit when using input blocks [json-pointer:/view/submit]"
    block_ids = [block["block_id"] for block in shown if "block_id" in block]
    if len(block_ids) != len(set(block_ids)):
        return "block_id must be unique [json-pointer:/view/blocks]"
    for index, block in enumerate(inputs):
        element = block.get("element")
        if not isinstance(element, dict) or not element.get("type") or not isinstance(block.get("label"), dict):
            return f"an input block needs a label and an element [json-pointer:/view/blocks/{index}]"
        options = list(element.get("options") or [])
        options += [o for group in element.get("option_groups") or [] for o in group.get("options") or []]
        for option in options + list(element.get("initial_options") or []):
            for part in ("text", "description"):
                text = (option.get(part) or {}).get("text", "")
                if len(text) > MAX_OPTION_CHARS:
                    return f"must be less than {MAX_OPTION_CHARS + 1} characters [json-pointer:/view/blocks/{index}]"
        offered = [json.dumps(o, sort_keys=True) for o in options]
        if any(json.dumps(o, sort_keys=True) not in offered for o in element.get("initial_options") or []):
            return f"initial_options must be among the options [json-pointer:/view/blocks/{index}]"
    return None


ACTIONS_FIELDS = frozenset({"type", "block_id", "elements"})
BUTTON_FIELDS = frozenset({"type", "text", "action_id", "value", "style", "url", "confirm", "accessibility_label"})
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT_CHARS = 75
MAX_BUTTON_VALUE_CHARS = 2000
MAX_ACTION_ID_CHARS = 255


def actions_problem(block: dict[str, Any]) -> str | None:
    """What Slack's actions block reference forbids in `block`, or None.

    Fields `elements` (1-25 interactive elements, their action_ids unique within the block and at
    most 255 characters) and `block_id` (at most 255 characters). A button has a plain_text `text`
    of 1-75 characters, a `value` of at most 2,000 characters and a `style` of primary or danger;
    other elements (menus, date pickers, checkboxes) are checked only for their action_id.
    """
    if set(block) - ACTIONS_FIELDS:
        return f"unknown fields {sorted(set(block) - ACTIONS_FIELDS)}"
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not 1 <= len(block_id) <= 255):
        return "block_id must be 1-255 characters"
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= MAX_ACTIONS_ELEMENTS:
        return f"elements must hold 1-{MAX_ACTIONS_ELEMENTS} items"
    action_ids: list[str] = []
    for element in elements:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            return "an element must be an object with a type"
        action_id = element.get("action_id")
        if action_id is not None:
            if not isinstance(action_id, str) or not 1 <= len(action_id) <= MAX_ACTION_ID_CHARS:
                return f"action_id must be 1-{MAX_ACTION_ID_CHARS} characters"
            action_ids.append(action_id)
        if element["type"] != "button":
            continue
        if set(element) - BUTTON_FIELDS:
            return f"a button cannot have {sorted(set(element) - BUTTON_FIELDS)}"
        text = element.get("text")
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            return "a button's text must be plain_text"
        if not isinstance(text.get("text"), str) or not 1 <= len(text["text"]) <= MAX_BUTTON_TEXT_CHARS:
            return f"a button's text must be 1-{MAX_BUTTON_TEXT_CHARS} characters"
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE_CHARS):
            return f"a button's value must be a string of at most {MAX_BUTTON_VALUE_CHARS} characters"
        if "style" in element and element["style"] not in ("primary", "danger"):
            return "a button's style must be primary or danger"
    if len(action_ids) != len(set(action_ids)):
        return "action_ids must be unique within the block"
    return None


TABLE_FIELDS = frozenset({"type", "block_id", "rows", "column_settings"})
TABLE_ALIGNS = frozenset({"left", "center", "right"})


def table_problem(block: dict[str, Any]) -> str | None:
    """What Slack's table block reference forbids in `block`, or None.

    Fields `rows` (required, 1-100 rows of 1-20 cells, each `raw_text` with text or `rich_text`
    with elements), `column_settings` (at most 20, each null or `align` left/center/right and a
    boolean `is_wrapped`) and `block_id` (at most 255 characters); at most 10,000 characters in all cells.
    """
    if set(block) - TABLE_FIELDS:
        return f"unknown fields {sorted(set(block) - TABLE_FIELDS)}"
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not 1 <= len(block_id) <= 255):
        return "block_id must be 1-255 characters"
    rows = block.get("rows")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 100:
        return "rows must hold 1-100 rows"
    for row in rows:
        if not isinstance(row, list) or not 1 <= len(row) <= 20:
            return "a row must hold 1-20 cells"
        for cell in row:
            if not isinstance(cell, dict):
                return "a cell must be an object"
            if cell.get("type") == "raw_text":
                if set(cell) != {"type", "text"} or not isinstance(cell["text"], str) or not cell["text"]:
                    return "a raw_text cell needs text and nothing else"
            elif cell.get("type") == "rich_text":
                if not isinstance(cell.get("elements"), list) or not cell["elements"]:
                    return "a rich_text cell needs elements"
            else:
                return f"a cell cannot be {cell.get('type')!r}"
    if sum(len(text) for row in table_cells(block) for text in row) > 10_000:
        return "more than 10,000 characters in the cells"
    settings = block.get("column_settings")
    if settings is None:
        return None
    if not isinstance(settings, list) or len(settings) > 20:
        return "column_settings must hold at most 20 items"
    for setting in settings:
        if setting is None:
            continue
        if not isinstance(setting, dict) or set(setting) - {"align", "is_wrapped"}:
            return "a column setting holds only align and is_wrapped"
        if "align" in setting and setting["align"] not in TABLE_ALIGNS:
            return "align must be left, center or right"
        if "is_wrapped" in setting and not isinstance(setting["is_wrapped"], bool):
            return "is_wrapped must be true or false"
    return None


def _bearer(call: Call) -> str | None:
    auth = call.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:]
    token = call.params.get("token")
    return str(token) if token else None


def _parse_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    content_type = headers.get("content-type", "")
    if not body:
        return {}
    if "application/json" in content_type:
        return json.loads(body)
    if "application/x-www-form-urlencoded" in content_type:
        return {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}
    return {}


def _view_param(params: dict[str, Any]) -> dict[str, Any] | None:
    """The `view` argument as a dict (slack_sdk sends JSON; a form post sends it as a JSON string)."""
    view = params.get("view")
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return None
    return view if isinstance(view, dict) else None


def _invalid_arguments(message: str) -> dict[str, Any]:
    """Slack's answer to a malformed view: `invalid_arguments`, with the reason in `response_metadata`."""
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [f"[ERROR] {message}"]}}


def _api_error(error: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, _json({"ok": False, "error": error})


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def _handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if standin.web is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            self._send(*standin.web.get(self.path))

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            if standin.web is not None and self.path.startswith("/demo/"):
                self._send(*standin.web.post(self.path, body))
                return
            self._send(*standin.handle(self.path, headers, body))

        def _send(self, status: int, response_headers: dict[str, str], payload: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in response_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller died waiting (a crash test): nothing to answer

        do_PUT = do_POST

        def log_message(self, *args: object) -> None:
            pass

    return Handler
