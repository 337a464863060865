"""Numbers as a desk writes them: signed bp, percent to the data's precision, ET times."""

from __future__ import annotations

from datetime import date

MINUS = "\u2212"


def signed_bp(value: float | None, unit: bool = True) -> str:
    """+31 bp, −2.6 bp, 0 bp; "n/a" when missing."""
    if value is None:
        return "n/a"
    rounded = round(value, 1)
    text = f"{abs(rounded):.0f}" if rounded == int(rounded) else f"{abs(rounded):.1f}"
    sign = "+" if rounded > 0 else MINUS if rounded < 0 else ""
    return f"{sign}{text}{' bp' if unit else ''}"


def percent(value: float | None, decimals: int = 2) -> str:
    """4.85% (par curve: 2 decimals; auctions: 3); "n/a" when missing."""
    if value is None:
        return "n/a"
    return f"{value:.{decimals}f}%".replace("-", MINUS)


def day_label(day: date) -> str:
    """2025-04-11 (Fri)."""
    return f"{day.isoformat()} ({day.strftime('%a')})"


def ordinal(value: float) -> str:
    """A percentile as a desk says it: 99.3rd, 1st, 50th."""
    rounded = round(value, 1)
    text = f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"
    last = text[-1]
    two = text[-2:] if "." not in text[-2:] else ""
    suffix = "th" if two in ("11", "12", "13") else {"1": "st", "2": "nd", "3": "rd"}.get(last, "th")
    return text + suffix
