"""HTTP mode: Slack's requests on POST /slack/events, a health check on GET /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.request_guard import DEFAULT_MAX_BODY_BYTES, RequestGuard, StartResponse, WsgiApp

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def create_wsgi_app(app: App, guard: RequestGuard | None = None) -> WsgiApp:
    """One WSGI callable: Bolt for Slack's path (behind `guard`), a JSON health check, 404 elsewhere."""
    slack: WsgiApp = SlackRequestHandler(app, path=EVENTS_PATH)
    guarded = guard.protect(slack) if guard is not None else slack

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            body = json.dumps({"status": "ok"}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and method == "POST":
            return guarded(environ, start_response)
        return slack(environ, start_response)

    return wsgi


def serve_http(app: App, host: str, port: int, threads: int = 8, *, guard: RequestGuard | None = None) -> None:
    """Serve until the process is stopped (waitress: production-grade, pure Python).

    waitress refuses bodies over the limit itself, chunked ones included, before
    buffering them; the guard checks again for any other WSGI server.
    """
    max_body = guard.max_body_bytes if guard is not None else DEFAULT_MAX_BODY_BYTES
    logger.info("deskbot listening on http://%s:%s%s", host, port, EVENTS_PATH)
    waitress.serve(
        create_wsgi_app(app, guard),
        host=host,
        port=port,
        threads=threads,
        ident="deskbot",
        max_request_body_size=max_body + 1,  # waitress refuses sizes >= its limit; the guard refuses > max_body
        _quiet=True,
    )
