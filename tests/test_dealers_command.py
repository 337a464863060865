"""`/dealers` as a user reads it: on the shipped history, with the NY Fed's release lag, with the live
source newer than the history (served on 127.0.0.1) or down, and in the wired bot."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.wiring import wire
from charts.render import render_png
from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Outcome, Reply
from commands.services import Services
from market.dealers.book import DATASET, DealerBook
from market.dealers.buckets import KEYS
from market.http import UpstreamClient
from market.publication import Dataset, published_at
from market.sources.nyfed_dealers import NyFedDealerSource
from tests.harness.dealers_repo import dealer_payload, dealers_until
from tests.harness.funding import sqlite_store
from tests.harness.upstream import Scripted

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"/dealers": "dealers"}
SOURCE_LINE = "Source: NY Fed Primary Dealer Statistics (FR 2004) · week ending"


def et(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    store = sqlite_store(tmp_path_factory.mktemp("dealers"))
    return build_registry(Services(store=store, dealers=DealerBook(store)))


def ask(registry: Registry, text: str, now: datetime, slash_command: str = "/deskbot") -> Reply:
    ctx = CommandContext(now=now, user_id="U0TRADER", slash_command=slash_command, short_commands=SHORT)
    return answer(text, ctx, registry)


def source_line(reply: Reply) -> str:
    return str(reply.blocks[-1]["elements"][0]["text"])


# ---- the week of 9 April 2025, once released ---------------------------------------------------------


def test_dealers_after_the_april_9_week_was_released_answers_first_then_the_table(registry):
    reply = ask(registry, "/dealers 2025-04-17", et(date(2025, 6, 2), 12))

    assert reply.outcome is Outcome.OK
    lines = reply.text.splitlines()
    assert lines[0] == "Primary dealer positions — week ending Wed 09 Apr 2025"
    assert lines[1] == (
        "Dealers net long $407.0bn of Treasuries, −$1.7bn on the week, $48.4bn below the record $455.3bn "
        "(week ending 2025-02-26; data since April 2013)."
    )
    assert "bucket            net $bn     w/w      4w     pct" in reply.text
    assert "Bills                66.0   −13.0   −29.5  83.4th" in reply.text
    assert "Coupons 7–11y        36.2    +3.2    +5.7  99.8th" in reply.text
    assert "Coupons >21y         45.8    −3.8    +1.4  96.8th" in reply.text
    assert "Total               407.0    −1.7    +1.1    99th" in reply.text
    assert "• *Repo financing* (dealers' repo borrowing against Treasuries ex TIPS, PDSORA-UTSETTOT) $2,829.8bn" in (
        reply.text
    )
    assert source_line(reply).startswith(f"{SOURCE_LINE} 2025-04-09 · released Thu 17 Apr 2025, 4:15 pm ET")
    assert reply.observed[0].dataset is Dataset.PRIMARY_DEALERS and reply.observed[0].day == date(2025, 4, 9)


def test_the_table_has_the_ten_buckets_and_the_total_in_order(registry):
    reply = ask(registry, "dealers 2025-04-17", et(date(2025, 6, 2), 12))
    table = reply.text.split("```")[1].strip().splitlines()

    assert [row[:16].strip() for row in table[1:]] == [
        "Bills",
        "FRN",
        "Coupons ≤2y",
        "Coupons 2–3y",
        "Coupons 3–6y",
        "Coupons 6–7y",
        "Coupons 7–11y",
        "Coupons 11–21y",
        "Coupons >21y",
        "TIPS",
        "Total",
    ]


def test_the_chart_shows_the_total_and_the_buckets_over_three_years_and_renders(registry):
    reply = ask(registry, "dealers 2025-04-17", et(date(2025, 6, 2), 12))
    (chart,) = reply.charts

    assert [series.label for series in chart.series] == [
        "Total",
        "Bills",
        "FRN",
        "Coupons ≤3y",
        "Coupons 3–7y",
        "Coupons 7–11y",
        "Coupons >11y",
        "TIPS",
    ]
    total = dict(chart.series[0].points)
    assert total[date(2025, 4, 9)] == pytest.approx(406.95)
    assert min(total) == date(2022, 4, 13) and max(total) == date(2025, 4, 9)
    assert chart.y_label == "Net position ($bn)" and chart.filename == "dealers-2025-04-09.png"
    assert render_png(chart).startswith(b"\x89PNG")


def test_the_short_command_and_the_main_command_answer_the_same(registry):
    now = et(date(2025, 6, 2), 12)
    typed_short = ask(registry, "/dealers 2025-04-17", now, slash_command="/dealers")
    typed_main = ask(registry, "/deskbot dealers 2025-04-17", now)
    delivered = ask(registry, "2025-04-17", now, slash_command="/dealers")  # Slack sends the text after /dealers

    assert typed_short.text == typed_main.text == delivered.text
    assert typed_short.text.splitlines()[0].endswith("week ending Wed 09 Apr 2025")


def test_a_record_week_says_so(registry):
    reply = ask(registry, "dealers 2026-04-02", et(date(2026, 5, 1), 12))

    assert reply.text.splitlines()[0] == "Primary dealer positions — week ending Wed 25 Mar 2026"
    assert reply.text.splitlines()[1].startswith("Dealers net long $557.1bn of Treasuries")
    assert reply.text.splitlines()[1].endswith(": a record (data since April 2013).")


def test_before_2022_the_over_11y_buckets_are_not_reported_rather_than_invented(registry):
    reply = ask(registry, "dealers 2020-03-26", et(date(2020, 6, 1), 12))

    assert reply.text.splitlines()[0] == "Primary dealer positions — week ending Wed 18 Mar 2020"
    assert "Coupons 11–21y  not reported before 2022-01-05" in reply.text
    assert "Coupons >21y    not reported before 2022-01-05" in reply.text
    assert "Coupons ≤2y          96.5" in reply.text  # 96,475 on 2020-03-18
    assert "so the buckets shown do not add up to the total" in reply.text
    assert "Coupons >11y" not in [series.label for series in reply.charts[0].series]


def test_a_week_without_a_repo_financing_figure_says_so(registry):
    reply = ask(registry, "dealers 2025-04-03", et(date(2025, 6, 2), 12))

    assert reply.text.splitlines()[0] == "Primary dealer positions — week ending Wed 26 Mar 2025"
    assert "PDSORA-UTSETTOT): no figure for this week in the data" in reply.text


# ---- when it was public ------------------------------------------------------------------------------


def test_the_release_is_the_thursday_after_next_at_a_quarter_past_four():
    assert published_at(Dataset.PRIMARY_DEALERS, date(2025, 4, 9)) == et(date(2025, 4, 17), 16, 15)
    assert published_at(Dataset.PRIMARY_DEALERS, date(2021, 9, 15)) == et(date(2021, 9, 23), 16, 15)
    # Thanksgiving on the release Thursday: the next business day.
    assert published_at(Dataset.PRIMARY_DEALERS, date(2025, 11, 19)) == et(date(2025, 11, 28), 16, 15)


def test_a_replay_on_the_wednesday_does_not_show_that_weeks_positions(registry):
    wednesday = ask(registry, "dealers", et(date(2025, 4, 9), 17))
    before = ask(registry, "dealers", et(date(2025, 4, 10), 16, 14))
    after = ask(registry, "dealers", et(date(2025, 4, 10), 16, 15))
    released = ask(registry, "dealers", et(date(2025, 4, 17), 16, 15))

    assert wednesday.text.splitlines()[0].endswith("week ending Wed 26 Mar 2025")
    assert before.text.splitlines()[0].endswith("week ending Wed 26 Mar 2025")
    assert after.text.splitlines()[0].endswith("week ending Wed 02 Apr 2025")
    assert released.text.splitlines()[0].endswith("week ending Wed 09 Apr 2025")


def test_asking_for_a_wednesday_shows_what_was_out_then_and_when_that_week_comes(registry):
    reply = ask(registry, "dealers 2025-04-09", et(date(2025, 6, 2), 12))

    assert reply.text.splitlines()[0].endswith("week ending Wed 26 Mar 2025")
    assert "Positions for the week ending 2025-04-09 are released on Thu 17 Apr 2025 at 4:15 pm ET." in (
        source_line(reply)
    )
    assert "Dealers net long $407.0bn" not in reply.text


def test_no_answer_in_a_replay_fortnight_shows_a_week_before_its_release(registry):
    moment, late, seen = et(date(2025, 4, 7), 8), [], set()
    while moment < et(date(2025, 4, 19), 8):
        reply = ask(registry, "dealers", moment)
        seen.update(o.day for o in reply.observed)
        late += [(moment, o.day) for o in reply.observed if o.published() > moment]
        moment += timedelta(hours=3)
    assert late == []
    assert seen == {date(2025, 3, 26), date(2025, 4, 2), date(2025, 4, 9)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dealers 2013-04-05", "No primary dealer statistics were public by 2013-04-05"),
        ("dealers next week", "`dealers` takes one optional date (YYYY-MM-DD)."),
        ("dealers 2030-01-01", "2030-01-01 is in the future; today is 2025-06-02."),
    ],
)
def test_dates_the_data_cannot_answer_get_a_usage_message(registry, text, message):
    reply = ask(registry, text, et(date(2025, 6, 2), 12))

    assert reply.outcome is Outcome.USAGE_ERROR
    assert message in reply.text
    assert "Usage: `/deskbot dealers [YYYY-MM-DD]`" in reply.text


# ---- newer than the shipped history: the live source on 127.0.0.1 ----------------------------------


def live_book(tmp_path: Path, upstream, cutoff: date) -> DealerBook:
    client = UpstreamClient(
        "NY Fed Markets (primary dealer statistics)",
        upstream.base_url("nyfed_pd"),
        sleep=lambda seconds: None,
        backoff_seconds=0,
    )
    return DealerBook(sqlite_store(tmp_path), NyFedDealerSource(client), shipped=dealers_until(tmp_path / "s", cutoff))


def test_a_week_released_after_the_history_is_fetched_stored_and_shown(tmp_path, upstream):
    for key in KEYS:
        upstream.script("nyfed_pd", f"/pd/get/{key}.json", Scripted(dealer_payload(key, until=date(2025, 4, 9))))
    book = live_book(tmp_path, upstream, date(2025, 3, 26))
    registry = build_registry(Services(store=book.store, dealers=book))

    reply = ask(registry, "dealers", et(date(2025, 4, 17), 17))

    assert reply.text.splitlines()[0] == "Primary dealer positions — week ending Wed 09 Apr 2025"
    assert reply.text.splitlines()[1].startswith("Dealers net long $407.0bn of Treasuries, −$1.7bn on the week")
    assert "Bills                66.0" in reply.text and "Coupons 7–11y        36.2" in reply.text
    assert "$2,829.8bn" in reply.text
    assert sorted(r.path for r in upstream.requests_to("nyfed_pd")) == sorted(f"/pd/get/{key}.json" for key in KEYS)
    stored = {record.key for record in book.store.load(DATASET)}
    assert "PDPOSGST-TOT:2025-04-09" in stored and "PDPOSGST-TOT:2025-04-02" in stored
    assert not any(key.endswith("2025-03-26") for key in stored)  # only weeks newer than the history

    again = ask(registry, "dealers", et(date(2025, 4, 17), 17, 5))
    assert again.text == reply.text
    assert len(upstream.requests_to("nyfed_pd")) == len(KEYS)  # nothing newer was due


def test_with_the_source_down_it_answers_from_the_history_and_says_so(tmp_path, upstream):
    upstream.script("nyfed_pd", "/pd/get/PDPOSGST-TOT.json", Scripted(b"busy", 503, "text/plain"))
    book = live_book(tmp_path, upstream, date(2025, 3, 26))
    registry = build_registry(Services(store=book.store, dealers=book))

    reply = ask(registry, "dealers", et(date(2025, 4, 17), 17))

    assert reply.outcome is Outcome.OK
    assert reply.text.splitlines()[0].endswith("week ending Wed 26 Mar 2025")
    line = source_line(reply)
    assert "NY Fed Markets (primary dealer statistics) is unavailable: it answered HTTP 503" in line
    assert "(positions on record through 2025-03-26)" in line
    assert "The latest week I have ends 2025-03-26." in line


# ---- the wired bot -----------------------------------------------------------------------------------


def test_the_wired_bot_answers_dealers_and_lists_it_in_help(tmp_path, upstream):
    settings = Settings(**{**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path)}, _env_file=None)  # type: ignore[call-arg]
    registry = wire(settings).registry

    ctx = CommandContext(now=et(date(2025, 6, 2), 12), short_commands=settings.short_command_map)
    reply = answer("/dealers 2025-04-17", ctx, registry)
    overview = answer("help", ctx, registry)

    assert reply.text.splitlines()[1].startswith("Dealers net long $407.0bn of Treasuries")
    assert upstream.requests_to("nyfed_pd") == []  # the shipped history already holds that week
    assert "`/deskbot dealers [YYYY-MM-DD]` — Primary dealers' net Treasury positions by maturity" in overview.text
    assert settings.short_command_map["/dealers"] == "dealers"


def test_the_manifest_declares_the_short_command():
    manifest = (ROOT / "manifest.yml").read_text()
    block = manifest.split("- command: /dealers\n", 1)[1].split("- command:", 1)[0]

    assert "url: https://YOUR-HOST/slack/events" in block
    assert 'usage_hint: "[YYYY-MM-DD]"' in block
