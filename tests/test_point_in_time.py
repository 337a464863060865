"""Every answer shows only what its publisher had released by the answer's New York time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.cli import main
from bot.storage.database import create_database
from bot.storage.market_store import SqlRecordStore
from commands.context import CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Outcome
from commands.services import BriefingServices, Services
from market.auctions.book import AuctionBook
from market.funding.book import FundingBook
from market.publication import Dataset, PointInTime, cftc_release_day, published_at
from market.tz import DESK_TZ
from market.yields.history import YieldHistory


def et(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """Every command over the shipped history, as `deskbot ask` offline has it."""
    path = tmp_path_factory.mktemp("pit") / "deskbot.sqlite3"
    store = SqlRecordStore(create_database(f"sqlite:///{path}"))
    yields, auctions = YieldHistory(store), AuctionBook(store)
    funding = FundingBook(store, closes=yields.closes)
    briefings = BriefingServices(yields=yields, auctions=auctions, funding=funding)
    return build_registry(Services(store, yields=yields, auctions=auctions, funding=funding, briefings=briefings))


# ---- the rules --------------------------------------------------------------------------------


def test_reference_rates_come_out_the_next_business_morning():
    assert published_at(Dataset.SOFR, date(2025, 4, 9)) == et(date(2025, 4, 10), 8)
    assert published_at(Dataset.EFFR, date(2025, 4, 9)) == et(date(2025, 4, 10), 9)
    # Friday's SOFR on Monday; Thursday 17 April's after Good Friday, a bond-market holiday.
    assert published_at(Dataset.SOFR, date(2025, 4, 11)) == et(date(2025, 4, 14), 8)
    assert published_at(Dataset.SOFR, date(2025, 4, 17)) == et(date(2025, 4, 21), 8)


def test_the_curve_the_same_evening_and_an_auction_minutes_after_its_own_close():
    assert published_at(Dataset.PAR_CURVE, date(2025, 4, 9)) == et(date(2025, 4, 9), 18)
    assert published_at(Dataset.AUCTION_RESULTS, date(2025, 4, 7), time(11, 30)) == et(date(2025, 4, 7), 11, 35)
    assert published_at(Dataset.AUCTION_RESULTS, date(2025, 4, 9), time(13, 0)) == et(date(2025, 4, 9), 13, 5)


def test_cftc_reports_are_released_on_friday_or_after_a_holiday_week():
    assert cftc_release_day(date(2025, 4, 8)) == date(2025, 4, 11)
    assert cftc_release_day(date(2025, 11, 25)) == date(2025, 12, 1)  # Thanksgiving week: Monday
    assert cftc_release_day(date(2025, 7, 1)) == date(2025, 7, 7)  # Independence Day on the Friday
    assert published_at(Dataset.CFTC_TFF, date(2025, 4, 8)) == et(date(2025, 4, 11), 15, 30)


def test_a_day_asked_for_is_its_close_with_everything_for_it_published():
    point = PointInTime.close(date(2025, 4, 9), et(date(2026, 1, 5), 12))
    assert point.latest_day(Dataset.SOFR) == date(2025, 4, 9)
    assert point.latest_day(Dataset.PAR_CURVE) == date(2025, 4, 9)
    assert not point.sees(Dataset.PAR_CURVE, date(2025, 4, 10))
    # The same day asked for at 13:15 that day is only what was out at 13:15.
    assert PointInTime.close(date(2025, 4, 9), et(date(2025, 4, 9), 13, 15)).latest_day(Dataset.PAR_CURVE) == date(
        2025, 4, 8
    )


# ---- answers, pinned from the shipped data ----------------------------------------------------


def test_funding_before_eight_shows_the_sofr_published_the_day_before(registry):
    reply = answer("funding", CommandContext(now=et(date(2025, 4, 10), 7)), registry)

    assert reply.text.splitlines()[0] == "Funding — Tue 08 Apr 2025"
    assert "• *SOFR* 4.40% · 1st 4.31 · 25th 4.38 · 75th 4.47 · 99th 4.51" in reply.text


def test_funding_after_eight_shows_the_sofr_published_that_morning_and_effr_only_from_nine(registry):
    at_half_past_eight = answer("funding", CommandContext(now=et(date(2025, 4, 10), 8, 30)), registry)
    at_nine = answer("funding", CommandContext(now=et(date(2025, 4, 10), 9)), registry)

    for reply in (at_half_past_eight, at_nine):
        assert reply.text.splitlines()[0] == "Funding — Wed 09 Apr 2025"
        assert "• *SOFR* 4.42% · 1st 4.32 · 25th 4.40 · 75th 4.50 · 99th 4.58" in reply.text
    assert (Dataset.EFFR, date(2025, 4, 9)) not in {(o.dataset, o.day) for o in at_half_past_eight.observed}
    assert (Dataset.EFFR, date(2025, 4, 9)) in {(o.dataset, o.day) for o in at_nine.observed}


def test_yields_at_a_quarter_past_one_lead_with_the_previous_close(registry):
    reply = answer("yields 30y", CommandContext(now=et(date(2025, 4, 9), 13, 15)), registry)

    assert reply.text.splitlines()[0] == "30y Treasury — close 2025-04-08 (Tue)"
    assert "30y 4.71%" in reply.text and "4.72%" not in reply.text


def test_ask_with_a_date_alone_answers_as_of_that_close_and_says_so(capsys):
    assert main(["ask", "/funding", "--as-of", "2025-04-09"]) == 0
    shown = capsys.readouterr().out

    assert "Funding — Wed 09 Apr 2025" in shown
    assert "As of the 2025-04-09 close (all of that day's data, some published the next morning)." in shown


# ---- the replay week, every half hour ----------------------------------------------------------

ASKED = (
    "yields",
    "yields 30y",
    "curve",
    "auction 10y",
    "auction 30y",
    "auction 3y",
    "funding",
    "basis",
    "basis positioning",
    "basis calc TY 110-16+ 4.25 2032-11-15 99-08",
)


def _replay_moments() -> list[datetime]:
    """Monday 7 April 2025 06:00 to Friday 11 April 19:00 ET, every half hour."""
    moment, end = et(date(2025, 4, 7), 6), et(date(2025, 4, 11), 19)
    moments = []
    while moment <= end:
        if 6 <= moment.hour <= 19:
            moments.append(moment)
        moment += timedelta(minutes=30)
    return moments


def test_no_answer_in_the_replay_week_shows_a_figure_before_it_was_published(registry):
    checked, late = 0, []
    for moment in _replay_moments():
        ctx = CommandContext(now=moment)
        day = moment.date().isoformat()
        for text in (*ASKED, f"alerts {day}", f"summary daily {day}"):
            reply = answer(text, ctx, registry)
            assert reply.outcome is Outcome.OK, (text, moment, reply.text)
            for observation in reply.observed:
                checked += 1
                if observation.published() > moment:
                    late.append(f"{moment:%a %H:%M} {text}: {observation.dataset.value} of {observation.day}")
    assert late == []
    assert checked > 1000  # the answers do carry their dates


def test_a_replay_clock_stops_at_its_end_and_nothing_after_it_is_ever_due():
    from bot.clock import ReplayClock

    start, end = et(date(2025, 4, 7), 6), et(date(2025, 4, 11), 19)
    real = [datetime(2026, 1, 5, 12, tzinfo=DESK_TZ)]
    clock = ReplayClock(start, 720, real_now=lambda: real[0], started_at=real[0], until=end)

    real[0] += timedelta(minutes=5)  # an hour of desk time per 5 s: an hour in, 60 desk hours
    assert clock() == start + timedelta(hours=60) and not clock.stopped
    real[0] += timedelta(hours=1)  # long past Friday evening at 720x
    assert clock() == end and clock.stopped
    # Monday's 06:00 post of the next week never comes due while the replay runs.
    assert clock.to_real(et(date(2025, 4, 14), 6)) - real[0] > timedelta(days=365)


def test_2019_names_the_rate_on_reserves_ioer_in_the_gauge_and_the_alerts(registry):
    ctx = CommandContext(now=et(date(2019, 9, 18), 10))
    gauge = answer("basis 2019-09-17", ctx, registry).text
    alerts = answer("alerts 2019-09-17", ctx, registry).text

    assert "SOFR − IOER +315 bp" in gauge and "SOFR − IORB" not in gauge and "FRED (IOER)" in gauge
    assert "SOFR − IOER +315 bp on 2019-09-17 (threshold 10 bp)" in alerts


def test_a_comparison_shorter_than_a_year_says_where_it_starts(registry):
    reply = answer("funding 2019-09-17", CommandContext(now=et(date(2019, 9, 18), 10)), registry)

    assert "• *SOFR − IOER* +315 bp (since 2019-05-20, 84 days: 99.4th pct, −1 bp to +315 bp)" in reply.text
    assert "• *SOFR* 5.25%" in reply.text and "(past year: " in reply.text  # SOFR itself has a full year


def test_the_gauge_names_a_mechanism_only_on_its_own_evidence(registry):
    def call(day: str) -> str:
        after = date.fromisoformat(day) + timedelta(days=1)
        return answer(f"basis {day}", CommandContext(now=et(after, 12)), registry).text.splitlines()[1]

    assert "The data show a funding squeeze (SOFR − IOER in its top 1%" in call("2019-09-17")
    assert "No mechanism stands out" in call("2025-03-05")  # a calm day: the crowded short alone is not stress
    april = call("2025-04-09")
    assert "a sharp rates move" in april and "a basis unwind cannot be told from a rates move" in april


def test_the_readme_episode_table_is_what_the_gauge_computes(registry):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = re.findall(r"^\| (\d{4}-\d\d-\d\d) \| [^|]+ \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", readme, re.M)
    assert len(rows) == 8
    for day, score, funding, dealers, positioning, rates in rows:
        after = date.fromisoformat(day) + timedelta(days=10)  # everything for the day is published
        text = answer(f"basis {day}", CommandContext(now=et(after, 12)), registry).text
        assert f"Stress {score}/100" in text, day
        groups = (("Funding", funding), ("Dealer balance sheets", dealers), ("Positioning", positioning))
        for group, value in (*groups, ("Rates", rates)):
            assert re.search(rf"{group}\* \(weight \d+%\) \S+ {value}/100", text), (day, group, value)
