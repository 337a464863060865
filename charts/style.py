"""deskbot's house style for charts: size, type, colours, and where titles, legends and labels go.

- 960 px wide (6.4 in at 150 dpi) with type large enough to read when Slack shows the
  image about 360 px wide: 13 pt bold title, 10 pt ticks and axis labels.
- The title says what and when ("30y Treasury yield, 10 Jan – 11 Apr 2025"), the
  subtitle under it the source and as-of; every y axis names its unit.
- Colours are Okabe-Ito (safe for the common colour-vision deficiencies); a headline
  series (e.g. the gauge's composite) is black and thicker.
- Legends go below the plot (or above a panel), never over the data; reference lines
  are labelled in the right margin; the rarest move is shaded and named in a band above the data,
  as are named events (kept clear of the data, never over it).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

WIDTH_IN = 6.4
HEIGHT_IN = 3.6
DPI = 150

# Okabe & Ito (2008): blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442")
INK = "#000000"
MUTED = "#555555"
GRID = "#e4e4e4"
SHADE = "#E69F00"
SHADE_TEXT = "#8A4B00"
REFERENCE = "#333333"
HIGHLIGHT = "#F0E442"

TITLE_PT = 13
SUBTITLE_PT = 9
TEXT_PT = 10
SMALL_PT = 8.5

RC: dict[str, Any] = {
    "font.size": TEXT_PT,
    "axes.titlesize": TEXT_PT,
    "axes.labelsize": TEXT_PT,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "xtick.labelsize": TEXT_PT,
    "ytick.labelsize": TEXT_PT,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.minor.size": 2.0,
    "legend.fontsize": SMALL_PT + 0.5,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "legend.columnspacing": 1.2,
    "lines.linewidth": 1.8,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.formatter.useoffset": False,
}


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def new_figure(
    rows: int = 1, *, height_in: float = HEIGHT_IN, height_ratios: Sequence[float] | None = None
) -> tuple[Figure, list[Axes]]:
    """A figure in the house size with `rows` stacked axes sharing their x axis (laid out as drawn)."""
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.04, w_pad=0.06, hspace=0.03)  # type: ignore[union-attr, call-arg]
    grid = fig.subplots(
        rows, 1, sharex=True, squeeze=False, height_ratios=list(height_ratios) if height_ratios else None
    )
    axes = [row[0] for row in grid]
    for ax in axes:
        ax.grid(True, axis="y", color=GRID, linewidth=0.7)
        ax.grid(True, axis="x", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", which="minor", length=2.0)
    return fig, axes


# Characters to a line before a title or subtitle wraps (measured on DejaVu Sans at the sizes above).
TITLE_CHARS = 58
SUBTITLE_CHARS = 84


def titles(fig: Figure, top: Axes, title: str, subtitle: str, *, legend_above: bool = False) -> None:
    """The bold title (what and when) and the grey subtitle (source, as-of) above the plot, left-aligned.

    Long titles break before their dates; subtitles wrap. `legend_above` leaves room for a
    legend on the line above the top axes.
    """
    fig.suptitle(wrap_title(title), x=0.01, ha="left", fontsize=TITLE_PT, fontweight="bold")
    if subtitle:
        pad = 8 + (SMALL_PT * 2.2 if legend_above else 0)
        top.set_title(wrap_parts(subtitle, SUBTITLE_CHARS), loc="left", fontsize=SUBTITLE_PT, color=MUTED, pad=pad)


def wrap_title(title: str) -> str:
    """Each line of `title` that is too long broken after its last `: ` that fits, else its last `, ` (before
    the dates), else a space."""
    lines = []
    for line in title.splitlines():
        while len(line) > TITLE_CHARS:
            cuts = [line.rfind(mark, 0, TITLE_CHARS) for mark in (": ", ", ", " ")]
            cut = next((at for at in cuts if at > 0), -1)
            if cut <= 0:
                break
            lines.append(line[: cut + 1].rstrip())
            line = line[cut + 1 :].lstrip()
        lines.append(line)
    return "\n".join(lines)


def wrap_parts(text: str, width: int, separator: str = " · ") -> str:
    """`text` in lines of at most `width` characters, broken between its ` · ` parts (inside a part only when
    the part alone is too long)."""
    lines: list[str] = []
    for part in text.split(separator):
        if lines and len(lines[-1]) + len(separator) + len(part) <= width:
            lines[-1] += separator + part
        else:
            lines.extend(textwrap.wrap(part, width, break_long_words=False) or [""])
    return "\n".join(lines)


def legend_below(fig: Figure, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A legend under the plot, as many entries to a row as fit the width."""
    if not handles:
        return
    longest = max(len(label) for label in labels)
    per_row = 4 if longest <= 14 else 3 if longest <= 22 else 2 if longest <= 40 else 1
    fig.legend(handles, labels, loc="outside lower center", ncols=min(per_row, len(handles)))


def legend_above(ax: Axes, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A legend on the line above a panel, right-aligned (the panel's name is on the left)."""
    if handles:
        ax.legend(
            handles,
            labels,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=len(handles),
            borderaxespad=0.1,
            handletextpad=0.4,
            columnspacing=0.9,
        )


def reference_line(ax: Axes, value: float, label: str, *, label_outside: bool = True) -> None:
    """A dashed horizontal reference (a flag, a threshold), labelled in the right margin (or inside when taken)."""
    ax.axhline(value, color=REFERENCE, linestyle=(0, (4, 3)), linewidth=1.0, zorder=1.5)
    ax.annotate(
        label,
        xy=(1.0, value),
        xycoords=("axes fraction", "data"),
        xytext=(4, 0) if label_outside else (-3, 3),
        textcoords="offset points",
        fontsize=SMALL_PT,
        color=REFERENCE,
        ha="left" if label_outside else "right",
        va="center" if label_outside else "bottom",
        annotation_clip=False,
    )


def event_line(ax: Axes, x: float, label: str, *, right_half: bool, row: int = 0) -> None:
    """A dotted vertical line at a named day, its name at the top of the plot (in the band kept clear of data).

    `row` 1 sets the name a line lower, clear of a neighbouring event's name.
    """
    ax.axvline(x, color=MUTED, linestyle=(0, (1, 2)), linewidth=1.2, zorder=1.5)
    top_label(ax, x, label, right_half=right_half, row=row)


def top_label(ax: Axes, x: float, label: str, *, right_half: bool, colour: str = "#333333", row: int = 0) -> None:
    """`label` at the top of the plot by `x`: ending there in the right half, starting there in the left."""
    ax.annotate(
        label,
        xy=(x, 0.985),
        xycoords=("data", "axes fraction"),
        xytext=(-3 if right_half else 3, -row * (SMALL_PT + 3)),
        textcoords="offset points",
        fontsize=SMALL_PT,
        color=colour,
        fontweight="bold",
        ha="right" if right_half else "left",
        va="top",
    )


def callout(ax: Axes, x: float, y: float, label: str, *, in_margin: bool) -> None:
    """One point ringed and labelled (e.g. today's reading): in the right margin at its height when the margin
    is free, else just above and left of the point."""
    ax.plot([x], [y], marker="o", markersize=9, markerfacecolor=HIGHLIGHT, markeredgecolor=INK, zorder=5)
    if in_margin:
        ax.annotate(
            label,
            xy=(x, y),
            xytext=(1.0, y),
            textcoords=("axes fraction", "data"),
            fontsize=TEXT_PT,
            fontweight="bold",
            ha="left",
            va="center",
            annotation_clip=False,
        )
        return
    ax.annotate(
        label,
        xy=(x, y),
        xytext=(-9, 9),
        textcoords="offset points",
        fontsize=TEXT_PT,
        fontweight="bold",
        ha="right",
        va="bottom",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        zorder=6,
    )


ZONE_COLOURS = ((HIGHLIGHT, 0.35), ("#D55E00", 0.16), ("#CC79A7", 0.16))


def zone(ax: Axes, index: int, low: float, high: float, label: str) -> Patch:
    """A tinted horizontal range behind the data; its legend entry."""
    colour, alpha = ZONE_COLOURS[index % len(ZONE_COLOURS)]
    ax.axhspan(low, high, color=colour, alpha=alpha, linewidth=0, zorder=0.3)
    return Patch(facecolor=colour, alpha=alpha, edgecolor="none", label=label)
