"""Polite HTTP access to public data sources, with errors a desk can read.

Every source has a configurable base URL, so tests and replays can point
deskbot at recorded payloads served from 127.0.0.1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_RETRY_WAIT_SECONDS = 30.0


class UpstreamError(Exception):
    """A source could not be read; the message says which and why, in plain words."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source} is unavailable: {reason}")
        self.source = source
        self.reason = reason


class UpstreamClient:
    """GETs from one source's base URL, retrying rate limits and server errors."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        user_agent: str = "deskbot",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self._sleep = sleep  # injectable, so retry tests do not really wait
        self._client = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent},
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """The successful response for `path`, or `UpstreamError` after retries."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._client.get(url, params=params)
            except httpx.TimeoutException:
                failure = "it did not answer in time"
                wait = float(attempt)
            except httpx.TransportError as error:
                failure = f"it could not be reached ({type(error).__name__})"
                wait = float(attempt)
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRYABLE_STATUS:
                    raise UpstreamError(self.source, f"it answered HTTP {response.status_code}")
                failure = f"it answered HTTP {response.status_code}"
                wait = _retry_after(response, default=float(attempt))
            if attempt < self.max_attempts:
                logger.warning("%s: %s; retrying in %.1fs", self.source, failure, wait)
                self._sleep(wait)
        raise UpstreamError(self.source, failure)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON body; a body that is not JSON is an `UpstreamError`."""
        response = self.get(path, params)
        try:
            return response.json()
        except ValueError:
            raise UpstreamError(self.source, "it sent something that is not JSON") from None

    def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """The body as text (CSV, XML)."""
        return self.get(path, params).text


def _retry_after(response: httpx.Response, default: float) -> float:
    header = response.headers.get("Retry-After", "")
    try:
        return min(max(float(header), 0.0), MAX_RETRY_WAIT_SECONDS)
    except ValueError:
        return default
