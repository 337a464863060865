"""Numbers as a desk writes them, in one place: signs (U+2212), bp, %, $bn, shares, ordinals, ET times.

Every command formats through these, so the same number reads the same in every answer.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

MINUS = "\u2212"
# Amounts under this many $bn (test operations, small take-ups) print in $m, so they never read as $0.0bn.
MILLIONS_BELOW_BN = 0.1


def signed(value: float, decimals: int = 0) -> str:
    """`+2`, `−7`, `0`, `+1,234`: a real minus sign, no sign on what rounds to zero."""
    text = f"{abs(value):,.{decimals}f}"
    if round(abs(value), decimals) == 0:
        return text
    return f"+{text}" if value > 0 else f"{MINUS}{text}"


def signed_bp(value: float | None, decimals: int | None = None, unit: bool = True) -> str:
    """+31 bp, −2.6 bp, 0 bp; "n/a" when missing.

    With `decimals` None the tenth is shown only when it matters (curve moves);
    auction tails pass `decimals=1`, as a desk quotes them to the tenth.
    """
    if value is None:
        return "n/a"
    if decimals is None:
        rounded = round(value, 1)
        decimals = 0 if rounded == int(rounded) else 1
    return signed(value, decimals) + (" bp" if unit else "")


def bp_distance(value_bp: float, what: str) -> str:
    """`17 bp above the bottom`, `8 bp below the top`, `at the top`."""
    if round(value_bp, 1) == 0:
        return f"at {what}"
    return f"{signed_bp(abs(value_bp)).lstrip('+')} {'above' if value_bp > 0 else 'below'} {what}"


def percent(value: float | None, decimals: int = 2) -> str:
    """4.85% (par curve and funding rates: 2 decimals; auction stops: 3); "n/a" when missing."""
    if value is None:
        return "n/a"
    text = f"{abs(value):.{decimals}f}%"
    return f"{MINUS}{text}" if value < 0 and round(value, decimals) != 0 else text


def share(value: float | None) -> str:
    """A bidder class's share of the competitive award, to the tenth: 20.7%."""
    return percent(value, 1)


def cover(value: float | Decimal | None) -> str:
    """Bid-to-cover: 2.48x."""
    return "n/a" if value is None else f"{float(value):.2f}x"


def usd_bn(value_bn: float | Decimal | None, decimals: int = 1) -> str:
    """$39.0bn; amounts under $100m in $m ($75m); "n/a" when missing."""
    if value_bn is None:
        return "n/a"
    value = float(value_bn)
    sign = MINUS if value < 0 else ""
    size = abs(value)
    if 0 < size < MILLIONS_BELOW_BN:
        return f"{sign}${size * 1000:,.0f}m"
    return f"{sign}${size:,.{decimals}f}bn"


def usd_from_dollars(value: Decimal | float | None) -> str:
    """An amount the source gives in dollars, as $bn."""
    return "n/a" if value is None else usd_bn(float(value) / 1e9)


def signed_usd_bn(change_bn: float | None) -> str:
    """A change in $bn: +$1.2bn, −$350m, unchanged."""
    if change_bn is None:
        return "n/a"
    text = usd_bn(abs(change_bn))
    if text in ("$0.0bn", "$0m"):
        return "unchanged"
    return ("+" if change_bn > 0 else MINUS) + text


def zscore(value: float | None) -> str:
    """A z-score to the tenth: +2.3, −0.4."""
    return "n/a" if value is None else signed(value, 1)


def ordinal(value: float | None) -> str:
    """A percentile as a desk says it, to the tenth where it has one: 99.3rd, 1st, 50th, 11th; "n/a" when missing."""
    if value is None:
        return "n/a"
    rounded = round(value, 1)
    text = f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"
    if "." in text:
        suffix = {"1": "st", "2": "nd", "3": "rd"}.get(text[-1], "th")
    else:
        number = int(text)
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return text + suffix


def day_label(day: date) -> str:
    """2025-04-11 (Fri)."""
    return f"{day.isoformat()} ({day.strftime('%a')})"


def clock_et(moment: time) -> str:
    """1:00 pm ET."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'} ET"
