"""Logging set-up that never writes a token or secret."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

# Slack tokens, response_url capabilities, and any `token=` or `api_key=` query value.
_TOKEN_PATTERNS = (
    re.compile(r"https://hooks\.slack\.com/[^\s'\"]+"),
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)((?:api_key|token|secret)=)[^&\s'\"]+"),
)
REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """A formatter that scrubs known secrets and token-shaped strings."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self._secrets = sorted({secret for secret in secrets if len(secret) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value and token-shaped string replaced."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(lambda match: (match.group(1) if match.groups() else "") + REDACTED, text)
    return text


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr (what Procfile platforms collect), secrets scrubbed."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
