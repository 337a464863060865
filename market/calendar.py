"""U.S. bond-market business days (SIFMA), from a kept calendar library.

A hand-written holiday list goes stale and misses SIFMA's own closes
(e.g. Good Friday); pandas-market-calendars tracks them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import pandas as pd
import pandas_market_calendars as market_calendars

from market.tz import DESK_TZ

# Treasury posts the day's par curve in the evening; by 18:00 ET it is there.
CURVE_PUBLISHED_BY = time(18, 0)


@lru_cache(maxsize=1)
def _calendar() -> market_calendars.MarketCalendar:
    return market_calendars.get_calendar("SIFMAUS")


@lru_cache(maxsize=64)
def _business_days_of_year(year: int) -> frozenset[date]:
    schedule = _calendar().schedule(start_date=f"{year}-01-01", end_date=f"{year}-12-31")
    return frozenset(pd.DatetimeIndex(schedule.index).date)


def is_business_day(day: date) -> bool:
    """True when the U.S. bond market is open that day (full or early close)."""
    return day in _business_days_of_year(day.year)


def business_days(start: date, end: date) -> list[date]:
    """The bond market's business days from `start` to `end`, inclusive, in order."""
    days: set[date] = set()
    for year in range(start.year, end.year + 1):
        days |= _business_days_of_year(year)
    return sorted(day for day in days if start <= day <= end)


def business_days_after(day: date, count: int) -> date:
    """The `count`-th business day after `day` (T+1 settlement, the 3rd business day of a month)."""
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def previous_business_day(day: date) -> date:
    """The last business day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_business_day(candidate):
        candidate -= timedelta(days=1)
    return candidate


def expected_latest_curve(now: datetime) -> date:
    """The newest close Treasury should have published by `now`."""
    local = now.astimezone(DESK_TZ)
    today = local.date()
    if is_business_day(today) and local.time() >= CURVE_PUBLISHED_BY:
        return today
    return previous_business_day(today)
