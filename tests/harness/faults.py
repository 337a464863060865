"""The ways a public source misbehaves, played over real HTTP by the recorded-upstream server.

Content faults are made from the answer the source would have given (the
real recording, or a scripted answer), so a parser sees the real layout
damaged the way upstreams damage it: cut in half, every value missing,
columns renamed, dates far in the future.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Fault(Enum):
    REFUSED = "connection refused"
    TIMEOUT = "timeout"
    HTTP_500 = "HTTP 500"
    HTTP_500_RETRY_AFTER = "HTTP 500 with Retry-After"
    HTTP_503 = "HTTP 503"
    HTTP_503_RETRY_AFTER = "HTTP 503 with Retry-After"
    HTTP_429_RETRY_AFTER = "HTTP 429 with Retry-After"
    HTML_200 = "HTML error page with status 200"
    TRUNCATED = "body cut in half"
    CUT_SHORT = "half the body sent of its full Content-Length, then the connection closed"
    EMPTY_200 = "empty body with status 200"
    NULL_VALUES = 'every value "null"'
    EMPTY_VALUES = 'every value ""'
    DOT_VALUES = 'every value "."'
    RENAMED_COLUMNS = "columns renamed"
    FAR_FUTURE = "dates in 2099"


STATUS_FAULTS = {
    Fault.HTTP_500: (500, False),
    Fault.HTTP_500_RETRY_AFTER: (500, True),
    Fault.HTTP_503: (503, False),
    Fault.HTTP_503_RETRY_AFTER: (503, True),
    Fault.HTTP_429_RETRY_AFTER: (429, True),
}
MISSING_SPELLING = {Fault.NULL_VALUES: "null", Fault.EMPTY_VALUES: "", Fault.DOT_VALUES: "."}
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>"
    b"<body><h1>We'll be back soon</h1><p>The site is down for maintenance.</p></body></html>\n"
)
FAR_YEAR = "2099"


@dataclass(frozen=True)
class Playing:
    """A fault being played for one source (one path, if `path` is set)."""

    fault: Fault
    path: str | None
    retry_after: str
    hold_seconds: float


def faulty_answer(playing: Playing, status: int, content_type: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """What the source answers instead of (`status`, `content_type`, `body`)."""
    fault = playing.fault
    headers = {"Content-Type": content_type}
    if fault in STATUS_FAULTS:
        code, with_retry_after = STATUS_FAULTS[fault]
        headers = {"Content-Type": "text/plain"}
        if with_retry_after:
            headers["Retry-After"] = playing.retry_after
        return code, headers, f"{code} error".encode()
    if fault is Fault.HTML_200:
        return 200, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE
    if fault is Fault.EMPTY_200:
        return 200, headers, b""
    if fault is Fault.TRUNCATED:
        return status, headers, body[: len(body) // 2]
    if fault is Fault.CUT_SHORT:  # the server declares the whole body and hangs up half-way
        return status, {**headers, "Content-Length": str(len(body))}, body[: len(body) // 2]
    if fault in MISSING_SPELLING:
        return status, headers, _rewrite(body, content_type, values=MISSING_SPELLING[fault])
    if fault is Fault.RENAMED_COLUMNS:
        return status, headers, _rewrite(body, content_type, rename=True)
    if fault is Fault.FAR_FUTURE:
        return status, headers, far_future(body)
    return status, headers, body  # TIMEOUT: the real answer, after the client gave up


def is_date_name(name: str) -> bool:
    """Date columns keep their values and names, so the rows still read as days."""
    return "date" in name.lower() or name.lower() in ("as_of",)


def _rewrite(body: bytes, content_type: str, *, values: str | None = None, rename: bool = False) -> bytes:
    text = body.decode("utf-8-sig", errors="replace")
    if "json" in content_type:
        try:
            payload = json.loads(text)
        except ValueError:
            return body  # not JSON to begin with (an error answer): played as it is
        return json.dumps(_json(payload, values, rename, in_row=False)).encode()
    if "xml" in content_type:
        return _xml(text, values, rename).encode()
    return _csv(text, values, rename).encode()


def _json(node: Any, values: str | None, rename: bool, *, in_row: bool) -> Any:
    """Every non-date value set to `values`; with `rename`, every non-date key of a row renamed."""
    if isinstance(node, list):
        return [_json(item, values, rename, in_row=True) for item in node]
    if isinstance(node, dict):
        rewritten = {}
        for key, value in node.items():
            name = f"{key}_v2" if rename and in_row and not is_date_name(key) else key
            if isinstance(value, list | dict):
                rewritten[name] = _json(value, values, rename, in_row=False)
            elif values is not None and not is_date_name(key):
                rewritten[name] = values
            else:
                rewritten[name] = value
        return rewritten
    return node


def _csv(text: str, values: str | None, rename: bool) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header, data = rows[0], rows[1:]
    keep = {index for index, name in enumerate(header) if is_date_name(name)}
    if rename:
        header = [name if index in keep else f"{name} (v2)" for index, name in enumerate(header)]
    if values is not None:
        data = [[cell if index in keep else values for index, cell in enumerate(row)] for row in data]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *data])
    return out.getvalue()


_XML_ELEMENT = re.compile(r"<d:(\w+)([^>]*?)(/>|>(.*?)</d:\1>)", re.DOTALL)


def _xml(text: str, values: str | None, rename: bool) -> str:
    def rewrite(match: re.Match[str]) -> str:
        name, attributes, rest, content = match.groups()
        if is_date_name(name):
            return match.group(0)
        new_name = f"{name}_V2" if rename else name
        if rest == "/>":
            return f"<d:{new_name}{attributes}/>"
        return f"<d:{new_name}{attributes}>{content if values is None else values}</d:{new_name}>"

    return _XML_ELEMENT.sub(rewrite, text)


_ISO_YEAR = re.compile(rb"\b(?:19|20)\d\d(?=-\d\d-\d\d)")
_US_YEAR = re.compile(rb"(?<=\b\d\d/\d\d/)(?:19|20)\d\d\b")


def far_future(body: bytes) -> bytes:
    """Every date in the body moved to the year 2099 (ISO and MM/DD/YYYY dates)."""
    moved = _ISO_YEAR.sub(FAR_YEAR.encode(), body)
    return _US_YEAR.sub(FAR_YEAR.encode(), moved)
