"""One rule for missing values across every upstream source.

Upstreams spell "no value" as `""`, `"null"`, `"."`, `"N/A"` or by leaving
the key out; `0` and `"0.000000"` are real values (a 0% bill stop-out,
zero SOMA take-up) and must survive parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

MISSING_SPELLINGS = frozenset({"", "null", ".", "n/a", "na", "nan", "none"})


def is_missing(value: Any) -> bool:
    """True for `None` and every textual spelling of missing; never for 0."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in MISSING_SPELLINGS
    return False


def text_or_none(value: Any) -> str | None:
    """A stripped string, or `None` when the value is missing."""
    if is_missing(value):
        return None
    return str(value).strip()


def decimal_or_none(value: Any) -> Decimal | None:
    """An exact decimal (handles `"0E-10"` and `"172849000000.000000"`), or `None`."""
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def float_or_none(value: Any) -> float | None:
    """A float, or `None` when the value is missing."""
    number = decimal_or_none(value)
    return None if number is None else float(number)


def field(record: Mapping[str, Any], key: str) -> str | None:
    """`record[key]` as text, treating an absent key like any other missing value."""
    return text_or_none(record.get(key))
