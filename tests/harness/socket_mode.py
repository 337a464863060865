"""A stand-in for Slack's Socket Mode WebSocket endpoint.

Slack hands the app a `wss://` URL from `apps.connections.open`, says
`hello`, then pushes envelopes; the app acks each by sending back its
`envelope_id`. This server does the same on ws://127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve


class SocketModeStandIn:
    """`with SocketModeStandIn() as socket:`; give `socket.url` to the Slack stand-in."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        self._changed = threading.Condition()
        self._connection: ServerConnection | None = None
        self._server: Server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def __enter__(self) -> SocketModeStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def wait_for_connection(self, timeout: float = 15.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._connection is not None, timeout):
                raise AssertionError("the app never opened the Socket Mode connection")

    def send_envelope(self, envelope: dict[str, Any]) -> float:
        """Push an envelope to the app; returns when it was sent (monotonic)."""
        assert self._connection is not None, "no app connected"
        sent_at = time.monotonic()
        self._connection.send(json.dumps(envelope))
        return sent_at

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> tuple[float, dict[str, Any]]:
        """The app's ack for `envelope_id`: (monotonic arrival time, message)."""

        def find() -> tuple[float, dict[str, Any]] | None:
            return next((item for item in self.received if item[1].get("envelope_id") == envelope_id), None)

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id}; received {self.received}")
            found = find()
            assert found is not None
            return found

    def _handle(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connection = connection
            self._changed.notify_all()
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "standin"}}))
        for message in connection:
            with self._changed:
                self.received.append((time.monotonic(), json.loads(message)))
                self._changed.notify_all()
