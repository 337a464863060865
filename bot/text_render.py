"""Block Kit as readable terminal text, for `deskbot ask`."""

from __future__ import annotations

from typing import Any

from commands.reply import Reply


def reply_as_text(reply: Reply) -> str:
    """The reply's blocks as plain lines; the fallback text when there are none."""
    if not reply.blocks:
        return reply.text
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(_block_lines(block))
    return "\n".join(lines).rstrip()


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = block["text"]["text"]
        return [title, "=" * len(title)]
    if kind == "section":
        lines = [block["text"]["text"]] if "text" in block else []
        lines.extend(field["text"] for field in block.get("fields", []))
        return lines
    if kind == "context":
        return [element.get("text", "") for element in block.get("elements", [])]
    if kind == "divider":
        return ["-" * 40]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return []
