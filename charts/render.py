"""Render chart requests to PNG bytes with matplotlib (headless)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from charts.specs import ChartRequest, LineChart  # noqa: E402

_FIGSIZE = (8.0, 4.5)
_DPI = 120
_MARKER_MAX_POINTS = 60


def render_png(request: ChartRequest) -> bytes:
    """Draw `request` and return the PNG file's bytes."""
    if isinstance(request, LineChart):
        return _render_line(request)
    raise TypeError(f"no renderer for chart kind {type(request).__name__}")


def _render_line(chart: LineChart) -> bytes:
    fig, ax = plt.subplots(figsize=_FIGSIZE, dpi=_DPI)
    try:
        for series in chart.series:
            xs = [point[0] for point in series.points]
            ys = [float("nan") if point[1] is None else point[1] for point in series.points]
            # Markers keep a point between two gaps visible on short series.
            marker = "o" if len(series.points) <= _MARKER_MAX_POINTS else None
            ax.plot(xs, ys, label=series.label, linewidth=1.6, marker=marker, markersize=3)
        fig.suptitle(chart.title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        if chart.subtitle:
            ax.set_title(chart.subtitle, loc="left", fontsize=9, color="#555555")
        ax.set_ylabel(chart.y_label)
        ax.grid(True, color="#dddddd", linewidth=0.6)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        if len(chart.series) > 1:
            ax.legend(frameon=False, fontsize=9)
        if chart.source_note:
            fig.text(0.01, 0.01, chart.source_note, fontsize=7, color="#777777")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
