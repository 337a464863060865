"""Render chart requests to PNG bytes with matplotlib (headless)."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from charts.specs import CategoryChart, ChartRequest, LineChart, PanelChart, Threshold  # noqa: E402

_FIGSIZE = (8.0, 4.5)
_DPI = 120
_MARKER_MAX_POINTS = 60
_SHADE_COLOUR = "#f4b183"
_THRESHOLD_COLOUR = "#c00000"


# The same chart is often asked for many times in a few minutes (everyone types `/yields 30y`
# after an auction); a chart request is plain, hashable data, so its PNG is kept and reused.
_CACHE_SIZE = 32
_cache: OrderedDict[ChartRequest, bytes] = OrderedDict()
_cache_lock = threading.Lock()
# pyplot keeps global figure state; one figure is drawn at a time. A kept PNG never waits for a drawing.
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


def _kept(request: ChartRequest) -> bytes | None:
    with _cache_lock:
        png = _cache.get(request)
        if png is not None:
            _cache.move_to_end(request)
        return png


def _draw(request: ChartRequest) -> bytes:
    renderer = _RENDERERS.get(type(request))
    if renderer is None:
        raise TypeError(f"no renderer for chart kind {type(request).__name__}")
    return renderer(request)


def _render_line(chart: LineChart) -> bytes:
    fig, ax = plt.subplots(figsize=_FIGSIZE, dpi=_DPI)
    try:
        right: Axes | None = None
        handles: list[Any] = []
        for band in chart.bands:
            xs = mdates.date2num([point[0] for point in band.points])
            low = [_nan(point[1]) for point in band.points]
            high = [_nan(point[2]) for point in band.points]
            handles.append(ax.fill_between(xs, low, high, alpha=0.25, label=band.label, linewidth=0))
        for series in chart.series:
            target = ax
            if series.right_axis:
                right = right or ax.twinx()
                target = right
            xs = mdates.date2num([point[0] for point in series.points])
            ys = [_nan(point[1]) for point in series.points]
            if series.style == "bar":
                handles.append(target.bar(xs, ys, label=series.label, alpha=0.5, color="#7f7f7f", width=1.0))
            elif series.style == "step":
                (line,) = target.step(xs, ys, where="post", label=series.label, linewidth=1.4)
                handles.append(line)
            else:
                # Markers keep a point between two gaps visible on short series.
                marker = "o" if len(series.points) <= _MARKER_MAX_POINTS else None
                (line,) = target.plot(xs, ys, label=series.label, linewidth=1.6, marker=marker, markersize=3)
                handles.append(line)
        for shade in chart.shades:
            span = (float(mdates.date2num(shade.start)), float(mdates.date2num(shade.end)))
            ax.axvspan(*span, color=_SHADE_COLOUR, alpha=0.35, linewidth=0)
            ax.annotate(
                shade.label,
                xy=(shade.start, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -12),
                textcoords="offset points",
                fontsize=8,
                color="#8a3b00",
                ha="right" if _in_right_half(ax, shade.start) else "left",
            )
        for threshold in chart.thresholds:
            _draw_threshold(right if threshold.right_axis and right is not None else ax, threshold)
        if right is not None and chart.right_y_label:
            right.set_ylabel(chart.right_y_label)
        if right is not None and chart.right_y_min_top is not None:
            bottom, top = right.get_ylim()
            right.set_ylim(float(bottom), max(float(top), chart.right_y_min_top))
        _decorate(fig, ax, chart.title, chart.subtitle, chart.y_label, chart.source_note)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        if len(handles) > 1:
            ax.legend(handles=handles, frameon=False, fontsize=9, loc="best")
        return _png(fig)
    finally:
        plt.close(fig)


def _render_category(chart: CategoryChart) -> bytes:
    fig, ax = plt.subplots(figsize=_FIGSIZE, dpi=_DPI)
    try:
        xs = list(chart.positions) if chart.positions else list(range(len(chart.categories)))
        for series in chart.series:
            ax.plot(xs, [_nan(value) for value in series.values], label=series.label, marker="o", markersize=3.5)
        ax.set_xticks(xs)
        ax.set_xticklabels(chart.categories, fontsize=8)
        for threshold in chart.thresholds:
            _draw_threshold(ax, threshold)
        _decorate(fig, ax, chart.title, chart.subtitle, chart.y_label, chart.source_note)
        if len(chart.series) > 1:
            ax.legend(frameon=False, fontsize=9, loc="best")
        return _png(fig)
    finally:
        plt.close(fig)


def _render_panels(chart: PanelChart) -> bytes:
    count = max(len(chart.panels), 1)
    height = 1.9 + 2.0 * count
    fig, axes = plt.subplots(count, 1, figsize=(_FIGSIZE[0], height), dpi=_DPI, sharex=True, squeeze=False)
    try:
        xs = list(range(len(chart.categories)))
        for ax, panel in zip(axes[:, 0], chart.panels, strict=False):
            width = 0.8 / max(len(panel.series), 1)
            for index, series in enumerate(panel.series):
                ys = [_nan(value) for value in series.values]
                if panel.style == "bar":
                    offsets = [x + (index - (len(panel.series) - 1) / 2) * width for x in xs]
                    ax.bar(offsets, ys, width=width, label=series.label, alpha=0.8)
                else:
                    ax.plot(xs, ys, label=series.label, marker="o", markersize=3.5, linewidth=1.5)
            if panel.style == "bar":
                ax.axhline(0, color="#555555", linewidth=0.8)
            for threshold in panel.thresholds:
                _draw_threshold(ax, threshold)
            if chart.highlight is not None:
                ax.axvspan(chart.highlight - 0.45, chart.highlight + 0.45, color=_SHADE_COLOUR, alpha=0.3, linewidth=0)
            ax.set_ylabel(panel.y_label, fontsize=9)
            ax.grid(True, color="#dddddd", linewidth=0.6)
            if panel.series:
                # Outside the axes, so the legend never hides a point.
                ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        bottom = axes[-1, 0]
        bottom.set_xticks(xs)
        bottom.set_xticklabels(chart.categories, fontsize=8, rotation=45, ha="right")
        fig.suptitle(chart.title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        if chart.subtitle:
            axes[0, 0].set_title(chart.subtitle, loc="left", fontsize=9, color="#555555")
        if chart.source_note:
            fig.text(0.01, 0.005, chart.source_note, fontsize=7, color="#777777")
        fig.tight_layout(rect=(0, 0.02 if chart.source_note else 0, 1, 1))
        return _png(fig)
    finally:
        plt.close(fig)


def _draw_threshold(ax: Axes, threshold: Threshold) -> None:
    ax.axhline(threshold.value, color=_THRESHOLD_COLOUR, linestyle="--", linewidth=1.0)
    ax.annotate(
        threshold.label,
        xy=(1.0, threshold.value),
        xycoords=("axes fraction", "data"),
        xytext=(-2, 3),
        textcoords="offset points",
        fontsize=8,
        color=_THRESHOLD_COLOUR,
        ha="right",
    )


def _decorate(fig: Figure, ax: Axes, title: str, subtitle: str, y_label: str, source_note: str) -> None:
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    if subtitle:
        ax.set_title(subtitle, loc="left", fontsize=9, color="#555555")
    ax.set_ylabel(y_label)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    if source_note:
        fig.text(0.01, 0.01, source_note, fontsize=7, color="#777777")
    fig.tight_layout(rect=(0, 0.03 if source_note else 0, 1, 1))


def _in_right_half(ax: Axes, x: Any) -> bool:
    low, high = ax.get_xlim()
    return bool(mdates.date2num(x) > (low + high) / 2)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


_RENDERERS: dict[type, Callable[[Any], bytes]] = {
    LineChart: _render_line,
    CategoryChart: _render_category,
    PanelChart: _render_panels,
}
