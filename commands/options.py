"""Typed command options: flags with values, `key=value` pairs and dates.

Every command reads its words through here, so `--as-of`, dates and
numbers fail the same friendly way everywhere (errbot's `@arg_botcmd` idea).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from commands.context import CommandContext
from commands.registry import Command, UsageError

AS_OF_FLAG = "--as-of"
# Dates a command will look up: wide enough for any history, narrow enough that date
# arithmetic (a week back, a calendar ahead, pandas timestamps) never overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)


@dataclass(frozen=True)
class Options:
    """A command's words split into positionals, `--flag value` and `key=value`."""

    positionals: tuple[str, ...]
    flags: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)


def split_options(
    words: tuple[str, ...],
    command: Command,
    *,
    value_flags: frozenset[str] = frozenset({AS_OF_FLAG}),
    pair_keys: frozenset[str] = frozenset(),
) -> Options:
    """Split `words`; unknown flags and keys, or a flag without its value, are usage errors.

    Flags may appear anywhere; `--flag=value` and `--flag value` both work.
    """
    positionals: list[str] = []
    flags: dict[str, str] = {}
    pairs: dict[str, str] = {}
    items = list(words)
    index = 0
    while index < len(items):
        word = items[index]
        index += 1
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            name = name.lower()
            if name not in value_flags:
                known = ", ".join(f"`{flag}`" for flag in sorted(value_flags)) or "none"
                raise UsageError(f"`{clip_word(word)}` is not an option here (options: {known}).", command)
            if not eq:
                if index >= len(items):
                    raise UsageError(f"`{name}` needs a value.", command)
                value = items[index]
                index += 1
            flags[name] = value
            continue
        key, eq, value = word.partition("=")
        if eq and key:
            if key.lower() not in pair_keys:
                raise UsageError(f"`{clip_word(word)}` is not something I understand here.", command)
            pairs[key.lower()] = value
            continue
        positionals.append(word)
    return Options(tuple(positionals), flags, pairs)


def clip_word(word: str, limit: int = 40) -> str:
    """A user's word, short and safe to echo back inside backticks."""
    cleaned = word.replace("`", "'")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def parse_date(text: str, command: Command, what: str = "date") -> date:
    """`YYYY-MM-DD` (or `YYYY-MM-DDTHH:MM`, date part kept) as a date, or a usage error."""
    candidate = text.strip()
    for layout in ("%Y-%m-%d", "%Y-%m-%dT%H:%M"):
        try:
            parsed = datetime.strptime(candidate, layout).date()
        except ValueError:
            continue
        if not EARLIEST_DATE <= parsed <= LATEST_DATE:
            raise UsageError(
                f"`{clip_word(text)}` is out of range for the {what}: use a year from {EARLIEST_DATE.year} "
                f"to {LATEST_DATE.year}, e.g. 2025-04-09.",
                command,
            )
        return parsed
    raise UsageError(f"`{clip_word(text)}` is not a valid {what}: write it as YYYY-MM-DD, e.g. 2025-04-09.", command)


def looks_like_date(text: str) -> bool:
    """True for words shaped like a date (even impossible ones, which then get a clear error)."""
    return len(text) >= 8 and text[:4].isdigit() and text[4:5] == "-"


def today(ctx: CommandContext) -> date:
    """The desk's date of the answer (the day asked for by `deskbot ask --as-of DATE`, else `now`'s)."""
    return ctx.today


def as_of_date(options: Options, ctx: CommandContext, command: Command) -> date:
    """The `--as-of` date, else today on the desk's clock; never a date in the future."""
    raw = options.flags.get(AS_OF_FLAG)
    if raw is None:
        return today(ctx)
    chosen = parse_date(raw, command, "--as-of date")
    return not_in_future(chosen, ctx, command)


def not_in_future(chosen: date, ctx: CommandContext, command: Command) -> date:
    """`chosen`, or a usage error when it is after today."""
    if chosen > today(ctx):
        raise UsageError(f"{chosen.isoformat()} is in the future; today is {today(ctx).isoformat()}.", command)
    return chosen


def parse_positive_int(text: str, command: Command, what: str, maximum: int) -> int:
    """A whole number between 1 and `maximum`, or a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{what} must be a whole number (got `{clip_word(text)}`).", command) from None
    if not 1 <= value <= maximum:
        raise UsageError(f"{what} must be between 1 and {maximum} (got {value}).", command)
    return value


def parse_finite_number(text: str, command: Command, what: str) -> float:
    """A finite decimal number (rejects `NaN`, `inf`, `1e309`), or a usage error."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what} must be a number (got `{clip_word(text)}`).", command) from None
    if not math.isfinite(value):
        raise UsageError(f"{what} must be a finite number (got `{clip_word(text)}`).", command)
    return value
