"""Chart requests render to real PNG images."""

from __future__ import annotations

import struct
from datetime import date

import pytest

from charts.render import draw_png, render_png
from charts.specs import LineChart, Series


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_line_chart_renders_to_a_slack_sized_png():
    chart = LineChart(
        title="2s10s",
        subtitle="bp, daily close",
        series=(
            Series("2Y", ((date(2025, 4, 7), 3.73), (date(2025, 4, 8), 3.78), (date(2025, 4, 9), 3.91))),
            Series("10Y", ((date(2025, 4, 7), 4.15), (date(2025, 4, 8), None), (date(2025, 4, 9), 4.34))),
        ),
        y_label="%",
        source_note="Source: U.S. Treasury",
    )
    assert _png_size(render_png(chart)) == (960, 540)


def test_different_data_draws_a_different_picture():
    def chart(last: float) -> LineChart:
        points = ((date(2025, 4, 7), 4.6), (date(2025, 4, 8), last))
        return LineChart(title="30Y", series=(Series("30Y", points),))

    assert render_png(chart(4.72)) != render_png(chart(4.20))


def test_unknown_chart_kinds_are_refused():
    with pytest.raises(TypeError, match="no renderer"):
        render_png("not a chart")  # type: ignore[arg-type]


def test_a_chart_asked_for_again_is_the_picture_drawn_for_that_data():
    def chart(last: float) -> LineChart:
        points = ((date(2025, 4, 7), 4.6), (date(2025, 4, 8), last))
        return LineChart(title="30Y kept", series=(Series("30Y", points),))

    first = render_png(chart(4.85))
    assert render_png(chart(4.85)) == first == draw_png(chart(4.85))
    assert render_png(chart(4.86)) != first
