"""Chart requests: what to draw, as plain data.

Commands build these without importing matplotlib, so a reply can be
described, tested and serialised before anything is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Series:
    """One named line of (date, value) points; `None` values leave a gap."""

    label: str
    points: tuple[tuple[date, float | None], ...]


@dataclass(frozen=True)
class LineChart:
    """A time-series line chart, one line per series."""

    title: str
    series: tuple[Series, ...]
    y_label: str = ""
    subtitle: str = ""
    filename: str = "chart.png"
    alt_text: str = ""
    source_note: str = ""


# Every kind of chart a reply can carry; grows into a union as kinds are added.
ChartRequest = LineChart
