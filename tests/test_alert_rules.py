"""The alert rules on the April 2025 sell-off, read from the shipped par curve."""

from __future__ import annotations

from datetime import date

import pytest

from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from market.analytics.alerts import AlertKind, AlertThresholds, evaluate_alerts
from market.yields.history import YieldHistory

APRIL_9 = date(2025, 4, 9)


@pytest.fixture(scope="module")
def yields(tmp_path_factory: pytest.TempPathFactory) -> YieldHistory:
    path = tmp_path_factory.mktemp("alerts") / "deskbot.sqlite3"
    return YieldHistory(SqlRecordStore(create_database(f"sqlite:///{path}")))


def three_day(yields: YieldHistory, limits: AlertThresholds, day: date = APRIL_9) -> dict[str, float]:
    fired = evaluate_alerts(limits, closes=yields.closes, close_day=day)
    return {alert.subject: alert.percentile or 0.0 for alert in fired if alert.kind is AlertKind.MOVE_3D}


def test_the_30y_three_day_rise_to_april_9_fires_against_the_past_twenty_years(yields):
    fired = three_day(yields, AlertThresholds())
    assert fired["30y"] == pytest.approx(99.77, abs=0.01)
    assert set(fired) == {"2y", "3y", "5y", "7y", "10y", "20y", "30y"}


def test_against_the_whole_series_since_1977_the_same_30y_move_is_only_the_98_9th(yields):
    fired = three_day(yields, AlertThresholds(move_3d_history_years=None))
    assert "30y" not in fired
    assert set(fired) == {"7y", "10y", "20y"}


def test_a_calm_week_fires_no_move_alert(yields):
    fired = evaluate_alerts(AlertThresholds(), closes=yields.closes, close_day=date(2024, 11, 15))
    assert fired == []


def test_the_watched_tenors_are_the_desks_choice(yields):
    assert set(three_day(yields, AlertThresholds(tenors=("10y", "30y")))) == {"10y", "30y"}
