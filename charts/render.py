"""Render chart requests to PNG bytes with matplotlib (headless), in the house style.

`draw_figure` builds the matplotlib `Figure` for a request (tests read it back);
`render_png` turns it into PNG bytes and keeps recent ones. Every time-series
chart gets its date axis from `charts.dates` and its look from `charts.style`.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from charts import style  # noqa: E402
from charts.dates import apply_date_axis, bar_width_days  # noqa: E402
from charts.specs import CategoryChart, ChartRequest, Event, LineChart, Panel, PanelChart  # noqa: E402

_MARKER_MAX_POINTS = 40
_PANEL_HEIGHT_IN = 1.55
_PANEL_TOP_IN = 1.25
# Room above the data for the names of events and shaded windows, as a share of the y range.
# Events closer than this share of the x span would print their names over each other.
_EVENT_NAME_SHARE = 0.18
_EVENT_HEADROOM = 0.14


# The same chart is often asked for many times in a few minutes (everyone types `/yields 30y`
# after an auction); a chart request is plain, hashable data, so its PNG is kept and reused.
_CACHE_SIZE = 32
_cache: OrderedDict[ChartRequest, bytes] = OrderedDict()
_cache_lock = threading.Lock()
# rcParams are global: one figure is drawn at a time. A kept PNG never waits for a drawing.
_draw_lock = threading.Lock()


def render_png(request: ChartRequest) -> bytes:
    """The PNG file's bytes for `request`, drawn once and reused while it stays among the recent ones."""
    png = _kept(request)
    if png is not None:
        return png
    with _draw_lock:
        png = _kept(request) or _draw(request)  # another thread may have drawn it meanwhile
    with _cache_lock:
        _cache[request] = png
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return png


def draw_png(request: ChartRequest) -> bytes:
    """Draw `request` now, bypassing the kept PNGs (what the render benchmark times)."""
    with _draw_lock:
        return _draw(request)


def draw_figure(request: ChartRequest) -> Figure:
    """The drawn matplotlib Figure for `request` (laid out, tick labels final): what the PNG shows."""
    with _draw_lock, _house_style():
        fig = _build(request)
        fig.canvas.draw()
        return fig


def _house_style() -> AbstractContextManager[None]:
    rc: Any = style.RC
    return matplotlib.rc_context(rc)


def _kept(request: ChartRequest) -> bytes | None:
    with _cache_lock:
        png = _cache.get(request)
        if png is not None:
            _cache.move_to_end(request)
        return png


def _draw(request: ChartRequest) -> bytes:
    with _house_style():
        fig = _build(request)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=style.DPI, facecolor="white")
    return buffer.getvalue()


def _build(request: ChartRequest) -> Figure:
    renderer = _RENDERERS.get(type(request))
    if renderer is None:
        raise TypeError(f"no renderer for chart kind {type(request).__name__}")
    return renderer(request)


# ---- time series ----------------------------------------------------------------------------------


def _line(chart: LineChart) -> Figure:
    fig, (ax,) = style.new_figure()
    right: Axes | None = None
    handles: list[Any] = []
    labels: list[str] = []
    drawn_days: list[date] = []
    bar_pad = 0.0

    for index, band in enumerate(chart.bands):
        points = [p for p in band.points if p[1] is not None and p[2] is not None]
        drawn_days.extend(p[0] for p in points)
        xs = _x([p[0] for p in band.points])
        lows = [_nan(p[1]) for p in band.points]
        highs = [_nan(p[2]) for p in band.points]
        handles.append(ax.fill_between(xs, lows, highs, color=style.colour(index), alpha=0.2, linewidth=0))
        labels.append(band.label)

    plain = 0
    for series in chart.series:
        target = ax
        if series.right_axis:
            right = right or _right_axis(ax)
            target = right
        days = [p[0] for p in series.points]
        drawn_days.extend(p[0] for p in series.points if p[1] is not None)
        xs = _x(days)
        ys = [_nan(p[1]) for p in series.points]
        colour = style.INK if series.emphasis else style.colour(plain)
        plain += 0 if series.emphasis else 1
        handle: Any
        if series.style == "bar":
            width = bar_width_days(days)
            bar_pad = max(bar_pad, width / 2)
            handle = target.bar(xs, ys, width=width, color=colour, alpha=0.5 if series.right_axis else 0.8, linewidth=0)
        elif series.style == "step":
            (handle,) = target.step(xs, ys, where="post", color=colour, linewidth=1.6)
        else:
            # Markers keep a point between two gaps visible on short series.
            marker = "o" if len(series.points) <= _MARKER_MAX_POINTS else None
            width = 2.8 if series.emphasis else 1.8
            (handle,) = target.plot(xs, ys, color=colour, linewidth=width, marker=marker, markersize=3.5)
        handles.append(handle)
        labels.append(series.label)

    span = (min(drawn_days), max(drawn_days)) if drawn_days else None
    windows: list[tuple[float, float, str]] = []
    if span is not None:
        apply_date_axis(ax, *span, pad_days=bar_pad)
        view = ax.get_xlim()
        minimum = (view[1] - view[0]) * 0.006  # a one-day shade on a 20-year chart stays visible
        for shade in chart.shades:
            start, end = float(mdates.date2num(shade.start)) - 0.5, float(mdates.date2num(shade.end)) + 0.5
            if end - start < minimum:
                middle = (start + end) / 2
                start, end = middle - minimum / 2, middle + minimum / 2
            ax.axvspan(start, end, color=style.SHADE, alpha=0.3, linewidth=0, zorder=0.5)
            windows.append((max(start, view[0]), min(end, view[1]), shade.label))
    else:
        ax.text(0.5, 0.5, "No data in this span", transform=ax.transAxes, ha="center", color=style.MUTED)

    for threshold in chart.thresholds:
        target = right if threshold.right_axis and right is not None else ax
        style.reference_line(target, threshold.value, threshold.label, label_outside=right is None)
    for index, zone in enumerate(sorted(chart.zones, key=lambda z: z.low)):
        handles.append(style.zone(ax, index, zone.low, zone.high, zone.label))
        labels.append(zone.label)

    if chart.y_range is not None:
        ax.set_ylim(*chart.y_range)
    events = sorted((e for e in chart.events if span is not None and span[0] <= e.day <= span[1]), key=lambda e: e.day)
    if events or windows:
        # Names of shaded windows and events go in a band above the data, so they never cover it.
        rows = _event_rows(events, ax.get_xlim())
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + (high - low) * _EVENT_HEADROOM * (1 + max(rows, default=0)))
        if chart.y_range is not None:  # the band for names is not part of the scale
            ax.set_yticks([tick for tick in ax.get_yticks() if chart.y_range[0] <= tick <= chart.y_range[1]])
        middle = sum(ax.get_xlim()) / 2
        for event, row in zip(events, rows, strict=True):
            x = float(mdates.date2num(event.day))
            style.event_line(ax, x, event.label, right_half=x > middle, row=row)
        for start, end, label in windows:
            right_half = (start + end) / 2 > middle
            style.top_label(ax, end if right_half else start, label, right_half=right_half, colour=style.SHADE_TEXT)
    for point in chart.callouts:
        target = right if point.right_axis and right is not None else ax
        style.callout(target, float(mdates.date2num(point.day)), point.value, point.label, in_margin=right is None)

    ax.set_ylabel(chart.y_label)
    if right is not None:
        right.set_ylabel(chart.right_y_label)
        if chart.right_y_min_top is not None:
            bottom, top = right.get_ylim()
            right.set_ylim(float(bottom), max(float(top), chart.right_y_min_top))
    style.titles(fig, ax, chart.title, _subtitle(chart.subtitle, chart.source_note))
    if len(handles) > 1:
        style.legend_below(fig, handles, labels)
    return fig


def _right_axis(ax: Axes) -> Axes:
    """A second y axis on the right, drawn under the left one's lines (bars behind, lines in front)."""
    right = ax.twinx()
    right.spines["right"].set_visible(True)
    right.grid(False)
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    return right


# ---- categories (tenors) --------------------------------------------------------------------------


def _category(chart: CategoryChart) -> Figure:
    fig, (ax,) = style.new_figure()
    xs = list(chart.positions) if chart.positions else list(range(len(chart.categories)))
    handles = []
    for index, series in enumerate(chart.series):
        values = [_nan(value) for value in series.values]
        (line,) = ax.plot(xs, values, color=style.colour(index), marker="o", markersize=4)
        handles.append(line)
    ax.set_xticks(xs, list(chart.categories))
    ax.tick_params(axis="x", labelsize=style.SMALL_PT + 0.5)
    for threshold in chart.thresholds:
        style.reference_line(ax, threshold.value, threshold.label)
    ax.set_ylabel(chart.y_label)
    style.titles(fig, ax, chart.title, _subtitle(chart.subtitle, chart.source_note))
    if len(chart.series) > 1:
        style.legend_below(fig, handles, [series.label for series in chart.series])
    return fig


# ---- stacked panels (auctions) --------------------------------------------------------------------


def _panels(chart: PanelChart) -> Figure:
    count = max(len(chart.panels), 1)
    fig, axes = style.new_figure(count, height_in=_PANEL_TOP_IN + _PANEL_HEIGHT_IN * count)
    on_dates = bool(chart.dates) and len(chart.dates) == len(chart.categories)
    xs = _x(list(chart.dates)) if on_dates else [float(i) for i in range(len(chart.categories))]
    slot = bar_width_days(list(chart.dates), share=1.0) if on_dates and len(chart.dates) > 1 else 1.0
    top_legend = False
    for panel_index, (ax, panel) in enumerate(zip(axes, chart.panels, strict=False)):
        handles, labels = _draw_panel(ax, panel, xs, slot)
        if chart.highlight is not None and 0 <= chart.highlight < len(xs):
            centre = xs[chart.highlight]
            ax.axvspan(centre - 0.45 * slot, centre + 0.45 * slot, color=style.HIGHLIGHT, alpha=0.45, linewidth=0)
        ax.set_ylabel(panel.y_label)
        if len(handles) > 1 or panel.style == "bar":
            style.legend_above(ax, handles, labels)
            top_legend = top_legend or panel_index == 0
    bottom = axes[-1]
    if on_dates:
        apply_date_axis(bottom, min(chart.dates), max(chart.dates), pad_days=0.45 * slot)
    else:
        bottom.set_xticks(xs, list(chart.categories), rotation=45, ha="right")
    for ax in axes[:-1]:
        ax.tick_params(axis="x", labelbottom=False)
    style.titles(fig, axes[0], chart.title, _subtitle(chart.subtitle, chart.source_note))
    return fig


def _draw_panel(ax: Axes, panel: Panel, xs: Sequence[float], slot: float) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    present = [[value is not None for value in series.values] for series in panel.series]
    # Bars of series that never share a category (e.g. tail vs WI on one auction, high − median on the
    # others) sit in the same slot; series that do share one stand side by side.
    overlapping = any(sum(flags) > 1 for flags in zip(*present, strict=False)) if present else False
    groups = len(panel.series) if overlapping else 1
    width = 0.7 * slot / groups
    for index, series in enumerate(panel.series):
        colour = style.colour(index)
        ys = [_nan(value) for value in series.values]
        handle: Any
        if panel.style == "bar":
            offset = (index - (groups - 1) / 2) * width if overlapping else 0.0
            handle = ax.bar([x + offset for x in xs], ys, width=width, color=colour, linewidth=0)
        else:
            (handle,) = ax.plot(xs, ys, color=colour, marker="o", markersize=4, linewidth=1.8)
        if any(present[index]):
            handles.append(handle)
            labels.append(series.label)
    if panel.style == "bar":
        ax.axhline(0, color="#555555", linewidth=0.8)
    for threshold in panel.thresholds:
        style.reference_line(ax, threshold.value, threshold.label)
    return handles, labels


# ---- helpers --------------------------------------------------------------------------------------


def _event_rows(events: list[Event], xlim: tuple[float, float]) -> list[int]:
    """The text row of each event's name: the next row down when it would touch the name before it."""
    rows: list[int] = []
    width = xlim[1] - xlim[0]
    previous: float | None = None
    for event in events:
        x = float(mdates.date2num(event.day))
        crowded = previous is not None and width > 0 and (x - previous) / width < _EVENT_NAME_SHARE
        rows.append(1 - rows[-1] if crowded and rows else 0)
        previous = x
    return rows


def _subtitle(subtitle: str, source_note: str) -> str:
    return " · ".join(part for part in (subtitle, source_note) if part)


def _x(days: Sequence[date]) -> list[float]:
    return [float(x) for x in mdates.date2num(list(days))] if days else []


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


_RENDERERS: dict[type, Callable[[Any], Figure]] = {
    LineChart: _line,
    CategoryChart: _category,
    PanelChart: _panels,
}
