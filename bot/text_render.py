"""Block Kit as readable terminal text, for `deskbot ask`.

Slack mrkdwn is rendered for a terminal: `*bold*` in ANSI bold (or plain when
`ansi` is off, e.g. when output is not a TTY), `_italic_` and `` `code` `` plain,
code blocks indented by four spaces, `<url|label>` as `label (url)` and the
emoji names the commands use as the emoji themselves. A table block prints as
a monospace table, indented like a code block, where it stands among the blocks.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from commands.blocks import table_lines
from commands.reply import Reply

ANSI_BOLD = "\x1b[1m"
ANSI_NORMAL = "\x1b[22m"
CODE_INDENT = "    "

# The emoji names that commands/, market/ and bot/ put in replies (unknown names are left as typed).
EMOJI = {
    "warning": "\u26a0\ufe0f",
    "rotating_light": "\U0001f6a8",
    "red_circle": "\U0001f534",
    "large_yellow_circle": "\U0001f7e1",
    "large_orange_circle": "\U0001f7e0",
    "large_green_circle": "\U0001f7e2",
    "white_circle": "\u26aa",
    "white_check_mark": "\u2705",
    "x": "\u274c",
    "no_entry": "\u26d4",
    "hourglass": "\u231b",
    "hourglass_flowing_sand": "\u23f3",
    "memo": "\U0001f4dd",
    "frame_with_picture": "\U0001f5bc\ufe0f",
    "chart_with_upwards_trend": "\U0001f4c8",
    "chart_with_downwards_trend": "\U0001f4c9",
    "bar_chart": "\U0001f4ca",
}

_EMOJI_NAME = re.compile(":(" + "|".join(sorted(map(re.escape, EMOJI), key=len, reverse=True)) + "):")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
# Inline code and Slack's angle-bracket forms are copied out before bold and italic are looked for.
_VERBATIM = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|<(?P<url>(?:https?|mailto):[^|>\s]+)(?:\|(?P<label>[^>\n]+))?>"
    r"|<@(?P<user>[A-Z0-9]+)(?:\|(?P<user_label>[^>\n]+))?>"
    r"|<#(?P<channel>[A-Z0-9]+)(?:\|(?P<channel_label>[^>\n]*))?>"
    r"|<!(?P<special>here|channel|everyone)(?:\|[^>\n]*)?>"
)
# Slack's rule: the marks sit at word edges, with no space just inside them.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_PLACEHOLDER = 0xF0000  # Unicode plane 15, private use: never in a reply


def reply_as_text(reply: Reply, *, ansi: bool = False) -> str:
    """The reply's blocks as terminal lines; the fallback text when there are none.

    `ansi` shows bold as ANSI bold (for a terminal); otherwise bold is plain text.
    """
    if not reply.blocks:
        return mrkdwn_as_text(reply.text, ansi=ansi).rstrip()
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(_block_lines(block, ansi))
    return "\n".join(lines).rstrip()


def mrkdwn_as_text(text: str, *, ansi: bool = False) -> str:
    """Slack mrkdwn rendered for a terminal (see the module docstring)."""
    out = ""
    position = 0
    for fence in _CODE_BLOCK.finditer(text):
        out += _prose(text[position : fence.start()], ansi)
        if out and not out.endswith("\n"):
            out = out.rstrip(" ") + "\n"  # a code block starts on its own line
        out += _code_block(fence.group(1))
        position = fence.end()
        if position < len(text) and text[position] != "\n":
            out += "\n"  # and what follows it on the next
            while position < len(text) and text[position] == " ":
                position += 1
    return out + _prose(text[position:], ansi)


def plain_text_as_text(text: str) -> str:
    """A `plain_text` object's text: only emoji names are rendered."""
    return _unescape(_emoji(text))


def _block_lines(block: dict[str, Any], ansi: bool) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text_object(block["text"], ansi)
        return [title, "=" * _display_width(title)]
    if kind == "section":
        lines = [_text_object(block["text"], ansi)] if "text" in block else []
        lines.extend(_text_object(field, ansi) for field in block.get("fields", []))
        return lines
    if kind == "context":
        return [_text_object(element, ansi) for element in block.get("elements", [])]
    if kind == "divider":
        return ["-" * 40]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "table":
        return [(CODE_INDENT + line).rstrip() for line in table_lines(block)]
    if kind == "actions":
        return []  # buttons work only in Slack
    return []


def _text_object(obj: dict[str, Any], ansi: bool) -> str:
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn" and obj.get("verbatim") is not True:
        return mrkdwn_as_text(text, ansi=ansi)
    if obj.get("type") == "mrkdwn":
        return _unescape(text)
    return plain_text_as_text(text)


def _code_block(content: str) -> str:
    content = content.removeprefix("\n").removesuffix("\n")
    return "\n".join((CODE_INDENT + _unescape(line)).rstrip() for line in content.split("\n"))


def _prose(text: str, ansi: bool) -> str:
    # Verbatim pieces stand in as private-use characters while bold and italic are found,
    # so `*bold with `code` inside*` still reads as bold and code keeps its asterisks.
    pieces: list[str] = []

    def hold(match: re.Match[str]) -> str:
        pieces.append(_verbatim(match))
        return chr(_PLACEHOLDER + len(pieces) - 1)

    styled = _styled(_VERBATIM.sub(hold, text), ansi)
    if not pieces:
        return styled
    held = re.compile(f"[{chr(_PLACEHOLDER)}-{chr(_PLACEHOLDER + len(pieces) - 1)}]")
    return held.sub(lambda match: pieces[ord(match[0]) - _PLACEHOLDER], styled)


def _verbatim(match: re.Match[str]) -> str:
    if match["code"] is not None:
        return _unescape(match["code"])
    if match["url"] is not None:
        url = _unescape(match["url"])
        label = _unescape(match["label"]) if match["label"] else ""
        return f"{label} ({url})" if label and label != url else url
    if match["user"] is not None:
        return "@" + _unescape(match["user_label"] or match["user"])
    if match["channel"] is not None:
        return "#" + _unescape(match["channel_label"] or match["channel"])
    return "@" + match["special"]


def _styled(text: str, ansi: bool) -> str:
    if not text:
        return text
    bold = (ANSI_BOLD + r"\1" + ANSI_NORMAL) if ansi else r"\1"
    text = _BOLD.sub(bold, text)
    text = _ITALIC.sub(r"\1", text)
    return _unescape(_emoji(text))


def _emoji(text: str) -> str:
    return _EMOJI_NAME.sub(lambda match: EMOJI[match[1]], text)


def _unescape(text: str) -> str:
    # Slack escapes these three in message text; show them as typed.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _display_width(text: str) -> int:
    """Terminal columns: wide characters (most emoji) take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\ufe0f\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
