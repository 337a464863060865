"""Block Kit builders that keep every message inside Slack's limits.

Slack rejects a whole message (`invalid_blocks`) when one block is too
long, so limits are enforced here, where blocks are made, not at posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_CONTEXT_ELEMENT_CHARS = 2000
MAX_FALLBACK_CHARS = 4000
# A table block: at most 100 rows (the header row included) of at most 20 cells, and at most
# 10,000 characters in all its cells together. Slack shows one table per message, at its bottom.
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
MAX_TABLE_CHARS = 10_000
# A cell is a figure or a short label; at this size the header and a closing note row always fit.
MAX_TABLE_CELL_CHARS = MAX_TABLE_CHARS // (2 * MAX_TABLE_CELLS)
# What an empty cell shows: Slack refuses a cell without text.
EMPTY_CELL = "—"
TABLE_GUTTER = "  "
# An actions block holds at most 25 elements; a button's label at most 75 characters, its value 2,000.
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_LABEL_CHARS = 75
MAX_BUTTON_VALUE_CHARS = 2000

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


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> Block:
    """A table block: `header` as its first row, then `rows`; `numeric` columns right-aligned, the others wrapped.

    Kept inside Slack's limits: a cell holds at most `MAX_TABLE_CELL_CHARS` characters (cut with an
    ellipsis) and an empty one shows `EMPTY_CELL`; beyond 20 columns the first 19 are kept and a last
    column says how many were left out; beyond 99 rows under the header (or past 10,000 characters in
    all), the first rows that fit are kept and a last row says how many were left out. The fallback
    text of the reply keeps the whole table in monospace.
    """
    if len(numeric) != len(header):
        raise ValueError(f"{len(header)} columns but {len(numeric)} numeric flags")
    width = len(header)
    grid = [list(header), *(_padded(row, width) for row in rows)]
    flags = list(numeric)
    if width > MAX_TABLE_CELLS:
        left_out = width - (MAX_TABLE_CELLS - 1)
        grid = [[*row[: MAX_TABLE_CELLS - 1], ELLIPSIS] for row in grid]
        grid[0][-1] = f"{left_out} more columns left out"
        flags = [*flags[: MAX_TABLE_CELLS - 1], False]
    cells = [[_cell_text(text) for text in row] for row in grid]
    kept = _fitted_rows(cells[0], cells[1:])
    return {
        "type": "table",
        "column_settings": [{"align": "right"} if flag else {"is_wrapped": True} for flag in flags],
        "rows": [[{"type": "raw_text", "text": text} for text in row] for row in [cells[0], *kept]],
    }


def table_cells(block: Block) -> list[list[str]]:
    """A table block's cells as text, row by row (the header first); a rich-text cell as its plain text."""
    return [[_plain(cell) for cell in row] for row in block.get("rows", [])]


def table_lines(block: Block) -> list[str]:
    """A table block in monospace: columns padded to their widest cell, right-aligned ones to the right."""
    cells = table_cells(block)
    if not cells:
        return []
    columns = max(len(row) for row in cells)
    settings = list(block.get("column_settings") or [])
    right = [i < len(settings) and (settings[i] or {}).get("align") == "right" for i in range(columns)]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in cells) for i in range(columns)]
    lines = []
    for row in cells:
        texts = _padded(row, columns)
        padded = [text.rjust(widths[i]) if right[i] else text.ljust(widths[i]) for i, text in enumerate(texts)]
        lines.append(TABLE_GUTTER.join(padded).rstrip())
    return lines


def _padded(row: Sequence[str], width: int) -> list[str]:
    return [*row[:width], *([""] * (width - len(row)))]


def _cell_text(text: str) -> str:
    return clip(text, MAX_TABLE_CELL_CHARS) if text.strip() else EMPTY_CELL


def _fitted_rows(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The rows under the header that fit; when some do not, a last row says how many were left out."""

    def size(found: list[list[str]]) -> int:
        return sum(len(text) for row in found for text in row)

    if len(rows) <= MAX_TABLE_ROWS - 1 and size([header, *rows]) <= MAX_TABLE_CHARS:
        return rows

    def note(left_out: int) -> list[str]:
        return [f"{left_out} more rows left out", *([ELLIPSIS] * (len(header) - 1))]

    kept = rows[: MAX_TABLE_ROWS - 2]
    while kept and size([header, *kept, note(len(rows) - len(kept))]) > MAX_TABLE_CHARS:
        kept.pop()
    return [*kept, note(len(rows) - len(kept))]


def _plain(cell: Any) -> str:
    if not isinstance(cell, dict):
        return ""
    if cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for child in node.get("elements", []):
                walk(child)

    walk(cell)
    return "".join(found)


def _one_table(blocks: list[Block]) -> list[Block]:
    """Slack refuses a message with two table blocks: every table after the first becomes monospace."""
    kept: list[Block] = []
    seen = False
    for block in blocks:
        if block.get("type") == "table":
            if seen:
                kept.extend(sections("```\n" + "\n".join(table_lines(block)) + "\n```"))
                continue
            seen = True
        kept.append(block)
    return kept


def fit(blocks: list[Block], limit: int = MAX_BLOCKS) -> tuple[Block, ...]:
    """At most one table and `limit` (50) blocks; when more blocks are given, the last says how many were left out."""
    blocks = _one_table(blocks)
    if len(blocks) <= limit:
        return tuple(blocks)
    kept = blocks[: limit - 1]
    left_out = len(blocks) - len(kept)
    return (*kept, context(f"{left_out} more blocks were left out to fit Slack's message limit."))


def actions(elements: Sequence[Block]) -> Block:
    """An actions block: a row of at most 25 buttons (the first 25 are kept)."""
    return {"type": "actions", "elements": list(elements[:MAX_ACTION_ELEMENTS])}


def with_actions(blocks: Sequence[Block], elements: Sequence[Block]) -> tuple[Block, ...]:
    """`blocks` and, at their end, an actions block of `elements`; room for it is kept within 50 blocks."""
    if not elements:
        return tuple(blocks)
    return (*fit(list(blocks), MAX_BLOCKS - 1), actions(elements))


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
