"""How rare a move is, on the shipped official closes: the figures a desk can check."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from market.analytics.curve import classify_shape
from market.analytics.rarity import WEEKLY, day_moves, largest_since_all, rank, week_moves
from market.yields.history import YieldHistory
from tests.harness.stores import sqlite_store


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> YieldHistory:
    return YieldHistory(sqlite_store(tmp_path_factory.mktemp("rarity")))


def test_30y_three_day_rise_to_2025_04_09_is_the_largest_since_march_2020(history):
    move = rank(day_moves(history.closes("30y"), 3), date(2025, 4, 9))

    assert move is not None
    assert (move.window.start, move.window.end, move.window.bp) == (date(2025, 4, 4), date(2025, 4, 9), 31.0)
    assert move.since is not None
    assert (move.since.end, move.since.bp) == (date(2020, 3, 19), 44.0)
    assert 98.5 < move.percentile < 99.5


def test_30y_week_to_2025_04_11_is_the_largest_weekly_rise_since_april_1987(history):
    move = rank(week_moves(history.closes("30y")), date(2025, 4, 11))

    assert move is not None and move.length == WEEKLY
    assert (move.window.start, move.window.bp) == (date(2025, 4, 4), 44.0)
    assert move.since is not None
    assert (move.since.end, move.since.bp) == (date(1987, 4, 24), 47.0)
    assert move.rare


def test_10y_week_to_2025_04_11_is_the_largest_since_november_2001(history):
    move = rank(week_moves(history.closes("10y")), date(2025, 4, 11))

    assert move is not None and move.window.bp == 47.0
    assert move.since is not None
    assert (move.since.end, move.since.bp) == (date(2001, 11, 16), 57.0)


def test_no_30y_window_spans_the_2002_2006_break(history):
    thirty = history.closes("30y")
    for moves in (day_moves(thirty, 1), day_moves(thirty, 10), week_moves(thirty)):
        starts = pd.DatetimeIndex(moves.starts)
        ends = pd.DatetimeIndex(moves.ends)
        # The last real close before the gap is 2002-02-15, the first after it 2006-02-09.
        spanning = (starts < "2006-02-09") & (ends > "2002-02-15")
        assert not spanning.any()
    assert rank(day_moves(thirty, 1), date(2006, 2, 9)) is None  # the resumption step is not a move
    assert rank(day_moves(thirty, 1), date(2006, 2, 10)) is not None


def test_weekly_windows_end_on_fridays_even_when_friday_is_a_holiday(history):
    moves = week_moves(history.closes("10y"))

    assert set(pd.DatetimeIndex(moves.ends).day_of_week) == {4}
    # Good Friday 2025-04-18: the week's last close is Thursday's, labelled by the Friday.
    week = rank(moves, date(2025, 4, 18))
    closes = history.closes("10y")
    assert week is not None
    assert week.window.bp == round((closes.loc["2025-04-17"] - closes.loc["2025-04-11"]) * 100, 2)


@pytest.mark.parametrize("tenor", ["2y", "10y", "30y"])
@pytest.mark.parametrize("length", [1, 3, WEEKLY])
def test_ranking_every_window_agrees_with_ranking_each_one(history, tenor, length):
    closes = history.closes(tenor)
    moves = week_moves(closes) if length == WEEKLY else day_moves(closes, length)

    every = largest_since_all(moves)

    sample = np.linspace(0, len(moves) - 1, 300).astype(int)
    for position in sample:
        single = rank(moves, pd.Timestamp(moves.ends[position]).date())
        expected = -1 if single.since is None else int(np.searchsorted(moves.ends, np.datetime64(single.since.end)))
        assert every[position] == expected


def test_a_fall_looks_for_an_earlier_fall_at_least_as_large(history):
    move = rank(day_moves(history.closes("2y"), 1), date(2025, 4, 3))

    assert move is not None and move.window.bp == -20.0
    assert move.since is not None and move.since.bp <= -20.0
    assert move.percentile < 2.0  # falls rank low


@pytest.mark.parametrize(
    ("short", "long", "name"),
    [
        (28, 47, "bear steepener"),  # week to 2025-04-11: 2y +28, 10y +47
        (12, 8, "bear flattener"),  # 2025-04-11: 2y +12, 10y +8
        (-10, -3, "bull steepener"),
        (-3, -10, "bull flattener"),
        (5, -4, "twist flattener"),
        (10, 11, "parallel rise"),
        (0.5, -0.5, "little changed"),
    ],
)
def test_shape_of_a_move(short, long, name):
    assert classify_shape(short, long).name == name
