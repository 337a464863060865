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
    # Draw on a second y axis on the right (e.g. $bn under a rate in %).
    right_axis: bool = False
    style: str = "line"  # "line", "step" or "bar"
    # The headline series (e.g. the composite over its groups): drawn thicker, in the first colour.
    emphasis: bool = False


@dataclass(frozen=True)
class Shade:
    """A labelled date window to highlight (e.g. the rare move)."""

    start: date
    end: date
    label: str


@dataclass(frozen=True)
class Event:
    """A named day marked by a vertical line (e.g. an episode of stress), when it falls in the chart's span."""

    day: date
    label: str


@dataclass(frozen=True)
class Callout:
    """One point singled out and labelled (e.g. today's reading)."""

    day: date
    value: float
    label: str
    right_axis: bool = False


@dataclass(frozen=True)
class Band:
    """A filled range between two series of values on the same dates (e.g. 1st-99th percentile)."""

    label: str
    points: tuple[tuple[date, float | None, float | None], ...]


@dataclass(frozen=True)
class Threshold:
    """A horizontal reference line (e.g. a flag threshold) with its label."""

    value: float
    label: str
    right_axis: bool = False


@dataclass(frozen=True)
class Zone:
    """A horizontal range of the left axis tinted and named (e.g. a traffic light's yellow, 75-90)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class LineChart:
    """A time-series chart, one line per series, with optional shading, bands and thresholds."""

    title: str
    series: tuple[Series, ...]
    y_label: str = ""
    subtitle: str = ""
    filename: str = "chart.png"
    alt_text: str = ""
    source_note: str = ""
    shades: tuple[Shade, ...] = ()
    bands: tuple[Band, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    right_y_label: str = ""
    # The right axis reaches at least this high, so small amounts (e.g. $0.1bn) look small.
    right_y_min_top: float | None = None
    events: tuple[Event, ...] = ()
    callouts: tuple[Callout, ...] = ()
    zones: tuple[Zone, ...] = ()
    # Fixed limits of the left axis (e.g. 0-100 for a score); from the data when None.
    y_range: tuple[float, float] | None = None


@dataclass(frozen=True)
class CategorySeries:
    """One named line over categories (e.g. a curve on one date); `None` leaves a gap."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class CategoryChart:
    """Lines over ordered categories (tenors, auctions) rather than dates."""

    title: str
    categories: tuple[str, ...]
    series: tuple[CategorySeries, ...]
    y_label: str = ""
    subtitle: str = ""
    filename: str = "chart.png"
    alt_text: str = ""
    source_note: str = ""
    # Positions on the x axis (e.g. years to maturity); evenly spaced when empty.
    positions: tuple[float, ...] = ()
    thresholds: tuple[Threshold, ...] = ()


@dataclass(frozen=True)
class Panel:
    """One stacked panel of a `PanelChart`: its own y axis, lines (or bars) and thresholds."""

    series: tuple[CategorySeries, ...]
    # What the panel shows and its unit, e.g. "Bid-to-cover (x)".
    y_label: str = ""
    thresholds: tuple[Threshold, ...] = ()
    style: str = "line"  # "line" or "bar"


@dataclass(frozen=True)
class PanelChart:
    """Panels stacked over shared categories (e.g. auction dates), for measures in different units."""

    title: str
    categories: tuple[str, ...]
    panels: tuple[Panel, ...]
    subtitle: str = ""
    filename: str = "chart.png"
    alt_text: str = ""
    source_note: str = ""
    # The category to highlight (e.g. the auction just announced), or None.
    highlight: int | None = None
    # The day of each category (e.g. each auction's date): the panels are then drawn on a date axis.
    dates: tuple[date, ...] = ()


# Every kind of chart a reply can carry.
ChartRequest = LineChart | CategoryChart | PanelChart
