"""Command texts a desk (or a cat on the keyboard) could type, for fuzzing the command path.

Four shapes, in fixed proportions: a real command with its slots filled right or
nearly right (`GRAMMAR`, `SLOTS`), a subcommand followed by words from every pool
with odd spacing, free unicode, and huge texts. Two ways to get them, from the same
word pools:

- `command_texts()`: a Hypothesis strategy, for property tests (shrinking finds the
  smallest text that breaks a command).
- `generate_texts(count, seed)`: a plain `random.Random` generator that mirrors the
  strategy's shape, for load scripts. Hypothesis does not promise a stable sequence
  for a seed outside `@given` (and `strategy.example()` is meant for the REPL), while
  a seeded `random.Random` gives the same texts on every machine and every run, so
  a failing text from a load run can be replayed with its seed and index.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from hypothesis import strategies as st

# About the most slash-command text Slack sends.
MAX_TEXT_CHARS = 4000

SUBCOMMANDS = (
    "yields",
    "curve",
    "auction",
    "funding",
    "basis",
    "basis calc",
    "basis positioning",
    "basis history",
    "dealers",
    "preview",
    "briefing",
    "flash",
    "summary",
    "summary daily",
    "summary weekly",
    "alerts",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "schedule",
    "help",
)
SLASH_PREFIXES = ("", "", "", "/deskbot ", "/yields ", "/curve ", "/DESKBOT ", "/auction ")
ODD_SUBCOMMANDS = ("YIELDS", "Curve", "yeilds", "help help", "help nothing", "", "deskbot", "/deskbot", "?")

TENORS = (
    "1m",
    "3m",
    "6m",
    "1y",
    "2y",
    "3y",
    "5y",
    "7y",
    "10y",
    "20y",
    "30y",
    "10Y",
    "tips10y",
    "frn",
    "13w",
    "52w",
    "bills",
)
ODD_TENORS = ("0y", "99y", "-1y", "1.5y", "y", "30yy", "10 y", "0m", "-0y", "1e309y", "NaNy", "10yr", "٣٠y", "３０y")
DATES = ("2025-04-09", "2025-04-11", "2025-04-10", "2025-04-07", "2025-04-02", "2024-12-31", "2019-09-17", "1962-01-02")
ODD_DATES = (
    "2025-02-30",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "2025-13-01",
    "2025-04-11T18:00",
    "2025-04-11T25:00",
    "2025-4-9",
    "20250409",
    "1900-01-01",
    "2025-04-14",
    "2025-04-15",
    "2026-01-01",
    "2025-04-09T",
    "１９９９-01-01",
)
NUMBERS = (
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-0",
    "0",
    "1",
    "5",
    "99.5",
    "4.30",
    "1e-400",
    "0x10",
    "1_000",
    "9" * 30,
    "-" + "9" * 30,
    "1" * 4400,
    "٣",
    "١٠٠",
)
FLAGS = ("--as-of", "--days", "--since", "--post", "-h", "--help", "--", "-", "---", "--AS-OF", "--Post", "--as-of=")
PAIR_KEYS = ("wi", "repo", "delivery", "tenors", "lead", "WI", "x", "", "=")
BASIS_WORDS = ("TYM5", "USM5", "TU", "FVM5", "TY", "4.25", "2035-05-15", "110-16", "98-08+", "111.5")
WORDS = (
    "next",
    "history",
    "vs",
    "vs.",
    "against",
    "v",
    "here",
    "all",
    "briefings",
    "flash",
    "daily",
    "weekly",
    "alerts",
    "positioning",
    "calc",
    "912810UF3",
    "912828XX0",
    "#auctions",
    "#rates-desk",
)
SLACK_MARKUP = (
    "<@U123>",
    "<@U0TRADER|trader>",
    "<#C123|desk>",
    "<#C0AUCTIONS|auctions>",
    "<#C0DESK>",
    "<!here>",
    "<!channel>",
    "<!subteam^S123|@desk>",
    "<https://example.com|link>",
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```block```",
    "&gt;",
    "&lt;",
    "&amp;",
    "&gt; quoted",
    ":chart_with_upwards_trend:",
    "<",
    ">",
)
QUOTES = ('"', "'", '"unbalanced', "'10y", 'a"b', '""', "''", "“smart”", "‘30y’", "\\", '\\"', '"10y 30y"')
UNICODE_BITS = (
    "\u202e",  # right-to-left override
    "\u200f",
    "مرحبا",
    "שלום",
    "📈",
    "🇺🇸",
    "👨‍👩‍👧",
    "\u200b",  # zero-width space
    "\u200d",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\t",
    "\u00a0",
    "\u2028",
    "e\u0301",
    "Ｔ",
    "\ud7ff",
    "\U0010ffff",
    "ß",
    "İ",
)
SEPARATORS = (" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "")

# What each slot of a real command takes, for texts that are nearly right: a slot is
# filled from its valid pool, or (less often) from the odd one.
SLOTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "tenor": (TENORS, ODD_TENORS + ("1" * 4400 + "y", "9" * 40 + "w", "tips" + "9" * 30 + "y")),
    "date": (DATES, ODD_DATES + NUMBERS),
    "number": (("5", "10", "60", "250", "4.46", "4.30", "99-16"), NUMBERS),
    "flag": (
        ("--as-of 2025-04-09", "--days 5", "--since 2025-01-01", "--post", "-h"),
        ("--as-of", "--days", "--since", "--days 0", "--days 40001", "--days 1e309", "--days NaN", "--days -0")
        + ("--since 2025-02-30", "--since 9999-12-31", "--as-of 0000-01-01", "--as-of=", "--days=" + "9" * 5000),
    ),
    "feed": (("briefings", "flash", "daily", "weekly", "alerts", "all"), ("brief", "FLASH", "every", "")),
    "channel": (("here", "#auctions", "<#C0AUCTIONS|auctions>", "#rates-desk"), ("#", "#nope", "<#C123|desk>")),
    "pair": (
        ("wi=4.46", "repo=4.30", "delivery=2025-06-30", "tenors=10y,30y", "lead=60m", "lead=2h"),
        ("wi=NaN", "wi=1e309", "repo=inf", "delivery=2025-02-30", "tenors=", "tenors=,,", "lead=0m", "lead=99999h")
        + ("lead=" + "9" * 5000, "wi=-0", "repo=", "tenors=0y,99y", "lead=-1m", "wi=" + "9" * 400),
    ),
}
# Each command's words as a sequence of slots (a literal word stands for itself).
GRAMMAR: dict[str, tuple[str, ...]] = {
    "yields": ("tenor", "tenor", "flag", "flag"),
    "curve": ("date", "vs", "date", "vs", "date", "flag"),
    "auction": ("tenor", "date", "history", "pair", "flag"),
    "funding": ("date", "flag"),
    "basis": ("date", "flag"),
    "basis positioning": ("date", "flag"),
    "basis history": ("date", "since", "date", "flag"),
    "dealers": ("date", "flag"),
    "basis calc": ("contract", "number", "number", "date", "number", "pair", "pair"),
    "preview": ("tenor", "date"),
    "briefing": ("tenor", "date"),
    "flash": ("tenor", "date"),
    "summary daily": ("date",),
    "summary weekly": ("date",),
    "alerts": ("date",),
    "subscribe": ("channel", "feed", "feed", "pair", "pair"),
    "unsubscribe": ("channel", "feed", "feed"),
    "subscriptions": ("flag",),
    "schedule": ("flag",),
    "help": ("command",),
}
SLOTS["since"] = (("--since",), ("--since=", "--SINCE", "--until"))
SLOTS["contract"] = (("TYM5", "USM5", "TUM5", "FVM5"), ("TY", "XXM5", "TYZ99", "ty", "TYM5TYM5"))
SLOTS["command"] = (tuple(GRAMMAR), ODD_SUBCOMMANDS)

TOKEN_POOLS: tuple[tuple[str, ...], ...] = (
    TENORS,
    ODD_TENORS,
    DATES,
    ODD_DATES,
    NUMBERS,
    FLAGS,
    BASIS_WORDS,
    WORDS,
    SLACK_MARKUP,
    QUOTES,
    UNICODE_BITS,
    SUBCOMMANDS,
)


def _clip(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


# -- Hypothesis strategies ----------------------------------------------------------------


def free_text() -> st.SearchStrategy[str]:
    """Any unicode at all (surrogates excluded: they cannot travel as UTF-8)."""
    return st.text(st.characters(codec="utf-8"), max_size=60)


def pair() -> st.SearchStrategy[str]:
    """`key=value`, with keys the commands know and keys they do not."""
    value = st.one_of(*(st.sampled_from(pool) for pool in (NUMBERS, TENORS, ODD_TENORS, DATES, QUOTES)))
    return st.builds(lambda key, val: f"{key}={val}", st.sampled_from(PAIR_KEYS), value)


def flag_with_value() -> st.SearchStrategy[str]:
    """A flag and a value it may or may not accept, as `--flag value` or `--flag=value`."""
    value = st.one_of(*(st.sampled_from(pool) for pool in (DATES, ODD_DATES, NUMBERS, TENORS)))
    return st.builds(
        lambda flag, val, glue: f"{flag}{glue}{val}", st.sampled_from(FLAGS), value, st.sampled_from((" ", "="))
    )


def token() -> st.SearchStrategy[str]:
    """One word of a command: from a pool, a pair, a flag with its value, or anything."""
    return st.one_of(
        *(st.sampled_from(pool) for pool in TOKEN_POOLS),
        pair(),
        flag_with_value(),
        free_text(),
    )


def huge_text() -> st.SearchStrategy[str]:
    """Up to Slack's limit: a subcommand and one word repeated 50 to 2,000 times."""
    return st.builds(
        lambda head, word, count: _clip(f"{head} " + " ".join([word] * count)),
        st.sampled_from(SUBCOMMANDS),
        token(),
        st.integers(min_value=50, max_value=2000),
    )


def structured_text() -> st.SearchStrategy[str]:
    """A subcommand (real or odd) followed by a few words with odd spacing."""
    head = st.builds(
        lambda prefix, name: prefix + name,
        st.sampled_from(SLASH_PREFIXES),
        st.one_of(st.sampled_from(SUBCOMMANDS), st.sampled_from(ODD_SUBCOMMANDS)),
    )
    words = st.lists(st.tuples(st.sampled_from(SEPARATORS), token()), max_size=8)
    return st.builds(lambda h, ws: _clip(h + "".join(sep + word for sep, word in ws)), head, words)


def slot(name: str) -> st.SearchStrategy[str]:
    """One slot of a command: usually valid, sometimes odd, now and then left out."""
    if name not in SLOTS:
        return st.sampled_from((name, "", name.upper()))
    valid, odd = SLOTS[name]
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(odd), st.just(""))


def plausible_text() -> st.SearchStrategy[str]:
    """A real command whose slots are filled right or nearly right, in order or shuffled."""

    def build(name: str, words: list[str], shuffled: list[str], shuffle: bool) -> str:
        chosen = shuffled if shuffle else words
        return _clip(" ".join([name, *(word for word in chosen if word)]))

    return st.sampled_from(tuple(GRAMMAR)).flatmap(
        lambda name: st.tuples(*(slot(part) for part in GRAMMAR[name])).flatmap(
            lambda words: st.builds(build, st.just(name), st.just(list(words)), st.permutations(words), st.booleans())
        )
    )


def command_texts() -> st.SearchStrategy[str]:
    """What a desk could type after `/deskbot`: nearly-right commands, odd words, some noise."""
    return st.one_of(plausible_text(), plausible_text(), structured_text(), structured_text(), free_text(), huge_text())


# -- the seeded generator for load scripts -----------------------------------------------


def _free_text(rng: random.Random) -> str:
    """Mirrors `free_text()`: random code points from every plane, no surrogates."""
    chars = []
    for _ in range(rng.randint(0, 60)):
        ranges = ((0, 0x7F), (0x80, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF))
        low, high = rng.choice(ranges)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def _pair(rng: random.Random) -> str:
    pool = rng.choice((NUMBERS, TENORS, ODD_TENORS, DATES, QUOTES))
    return f"{rng.choice(PAIR_KEYS)}={rng.choice(pool)}"


def _flag_with_value(rng: random.Random) -> str:
    pool = rng.choice((DATES, ODD_DATES, NUMBERS, TENORS))
    return f"{rng.choice(FLAGS)}{rng.choice((' ', '='))}{rng.choice(pool)}"


def _token(rng: random.Random) -> str:
    makers: list[Callable[[random.Random], str]] = [
        *(lambda r, pool=pool: r.choice(pool) for pool in TOKEN_POOLS),
        _pair,
        _flag_with_value,
        _free_text,
    ]
    return rng.choice(makers)(rng)


def _huge_text(rng: random.Random) -> str:
    word = _token(rng)
    return _clip(f"{rng.choice(SUBCOMMANDS)} " + " ".join([word] * rng.randint(50, 2000)))


def _structured_text(rng: random.Random) -> str:
    name = rng.choice(SUBCOMMANDS) if rng.random() < 0.8 else rng.choice(ODD_SUBCOMMANDS)
    text = rng.choice(SLASH_PREFIXES) + name
    for _ in range(rng.randint(0, 8)):
        text += rng.choice(SEPARATORS) + _token(rng)
    return _clip(text)


def _slot(rng: random.Random, name: str) -> str:
    if name not in SLOTS:
        return rng.choice((name, "", name.upper()))
    valid, odd = SLOTS[name]
    return rng.choice((rng.choice(valid), rng.choice(valid), rng.choice(odd), ""))


def _plausible_text(rng: random.Random) -> str:
    name = rng.choice(tuple(GRAMMAR))
    words = [_slot(rng, part) for part in GRAMMAR[name]]
    if rng.random() < 0.5:
        rng.shuffle(words)
    return _clip(" ".join([name, *(word for word in words if word)]))


def generate_text(rng: random.Random) -> str:
    """One text, drawn in the proportions `command_texts()` uses."""
    roll = rng.random()
    if roll < 0.35:
        return _plausible_text(rng)
    if roll < 0.7:
        return _structured_text(rng)
    if roll < 0.85:
        return _free_text(rng)
    return _huge_text(rng)


def generate_texts(count: int, seed: int = 0) -> list[str]:
    """`count` texts, the same ones for the same seed."""
    rng = random.Random(seed)
    return [generate_text(rng) for _ in range(count)]
