"""Block Kit builders that keep every message inside Slack's limits.

Slack rejects a whole message (`invalid_blocks`) when one block is too
long, so limits are enforced here, where blocks are made, not at posting.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_ELEMENT_CHARS = 2000
MAX_FALLBACK_CHARS = 4000

Block = dict[str, Any]
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def header(text: str) -> Block:
    """A header block (plain text, at most 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_CHARS), "emoji": True}}


def sections(text: str) -> list[Block]:
    """One or more mrkdwn sections holding `text`, split on line breaks.

    A single line longer than the limit is split hard, so nothing is lost.
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > MAX_SECTION_CHARS:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:MAX_SECTION_CHARS])
            line = line[MAX_SECTION_CHARS:]
        candidate = line if not current else f"{current}\n{line}"
        if len(candidate) > MAX_SECTION_CHARS:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def context(text: str) -> Block:
    """A small grey note under the main content."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_CONTEXT_ELEMENT_CHARS)}]}


def divider() -> Block:
    """A horizontal rule."""
    return {"type": "divider"}


def fit(blocks: list[Block]) -> tuple[Block, ...]:
    """At most 50 blocks; when more are given, the last says how many were left out."""
    if len(blocks) <= MAX_BLOCKS:
        return tuple(blocks)
    kept = blocks[: MAX_BLOCKS - 1]
    left_out = len(blocks) - len(kept)
    return (*kept, context(f"{left_out} more blocks were left out to fit Slack's message limit."))


def fallback(text: str) -> str:
    """Fallback text short enough for notifications and `chat.postMessage`."""
    return clip(text, MAX_FALLBACK_CHARS)


def answer_blocks(title: str, headline: str, lines: list[str], footer: str) -> tuple[str, tuple[Block, ...]]:
    """The shape of most answers: a header, the answer in bold, the detail, the source line.

    Returns the fallback text and the blocks, so every answer reads the same in
    notifications and in the channel.
    """
    text = fallback("\n".join([title, headline, *lines, footer]))
    built = [header(title), *sections(f"*{headline}*"), *sections("\n".join(lines)), context(footer)]
    return text, fit(built)
