"""The words on a chart that name dates: one way to write a day and a span, for every chart kind.

Plain text, no matplotlib: commands write titles and subtitles with these, and
`charts.dates` labels the axis the same way ("7 Apr", "Jan 2025", "2019").
"""

from __future__ import annotations

from datetime import date


def day_text(day: date) -> str:
    """`11 Apr 2025`: a day as a desk writes it on a chart."""
    return f"{day.day} {day:%b %Y}"


def span_text(first: date, last: date) -> str:
    """The dates a chart covers, saying the year once when it does not change.

    `7 – 11 Apr 2025`, `10 Jan – 11 Apr 2025`, `11 Apr 2005 – 11 Apr 2025`; one day is `11 Apr 2025`.
    """
    if first == last:
        return day_text(last)
    if first.year != last.year:
        return f"{day_text(first)} – {day_text(last)}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {day_text(last)}"
    return f"{first.day} – {day_text(last)}"


def as_of_text(source: str, as_of: date, detail: str = "") -> str:
    """A chart's subtitle: what it shows (optional), where the data comes from, and as of when.

    `Daily closes · Source: Treasury par yield curve · as of 11 Apr 2025`.
    """
    parts = [detail[:1].upper() + detail[1:], f"Source: {source}" if source else "", f"as of {day_text(as_of)}"]
    return " · ".join(part for part in parts if part)
