"""Logging set-up that never writes a token, secret, password or response_url."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

# (pattern, replacement): Slack tokens, webhook and response_url addresses on any host,
# `response_url` fields in logged bodies (form-encoded, JSON, dict repr), passwords in
# URLs, and any `token=`, `secret=` or `api_key=` value.
_TOKEN_PATTERNS = (
    (re.compile(r"https://hooks\.slack(?:-gov)?\.com/[^\s'\"]+"), "[redacted]"),
    (re.compile(r"\bhttps?://[^\s'\"/]+/(?:commands|actions)/[^\s'\"]+"), "[redacted]"),
    (re.compile(r"(?i)(response_url\\?['\"]?\s*[:=]\s*\\?['\"]?)[^\s'\"&,}\\]+"), r"\g<1>[redacted]"),
    (re.compile(r"xox[abposr]-[A-Za-z0-9-]+"), "[redacted]"),
    (re.compile(r"xapp-[A-Za-z0-9-]+"), "[redacted]"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]*:)[^\s@/'\"]+@"), r"\g<1>[redacted]@"),
    (re.compile(r"(?i)((?:api_key|token|secret)=)[^&\s'\"]+"), r"\g<1>[redacted]"),
)
REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# deskbot posts to a response_url while it handles the command (retries included), so
# scrubbing it for 15 minutes covers every line that could mention it.
RESPONSE_URL_TTL_SECONDS = 900.0
PRUNE_EVERY_SECONDS = 60.0


class _LiveSecrets:
    """Values known only at run time (a command's response_url), scrubbed until they expire."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._next_prune = 0.0

    def add(self, value: str, ttl: float) -> None:
        """Called for every command, before its ack: expired values are dropped once a minute, not on each call."""
        now = self._clock()
        with self._lock:
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                self._expiry[form] = now + ttl
            if now >= self._next_prune:
                self._expiry = {key: until for key, until in self._expiry.items() if until > now}
                self._next_prune = now + PRUNE_EVERY_SECONDS

    def values(self) -> list[str]:
        now = self._clock()
        with self._lock:
            return [value for value, until in self._expiry.items() if until > now]


_live = _LiveSecrets()


def remember_secret(value: str, ttl: float = RESPONSE_URL_TTL_SECONDS) -> None:
    """Scrub `value` (and its URL-encoded forms) from every log line for `ttl` seconds."""
    if len(value) >= 6:
        _live.add(value, ttl)


def remember_response_url(body: dict[str, Any], next_: Callable[[], None]) -> None:
    """Bolt middleware: the request's response_url is a capability, so it never reaches a log line."""
    url = body.get("response_url") if isinstance(body, dict) else None
    if isinstance(url, str) and url:
        remember_secret(url)
    next_()


class RedactingFormatter(logging.Formatter):
    """A formatter that scrubs known secrets, live response_urls and token-shaped strings."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self._secrets = {secret for secret in secrets if len(secret) >= 6}

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets | set(_live.values()))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value and token-shaped string replaced."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr (what Procfile platforms collect), secrets scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
