"""`/funding` with the repo market by venue (OFR): pinned days, OFR's publication lag, the live source
newer than the history (on 127.0.0.1) or down."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from commands.context import DESK_TZ, CommandContext
from commands.dispatch import answer, build_registry
from commands.registry import Registry
from commands.reply import Outcome, Reply
from commands.services import Services
from market.funding.book import FundingBook
from market.funding.repo_market import DATASET, MNEMONICS, RepoMarket
from market.http import UpstreamClient
from market.publication import Dataset, published_at
from market.sources.ofr import OfrSource
from tests.harness.dealers_repo import ofr_recordings, repo_until
from tests.harness.funding import sqlite_store
from tests.harness.upstream import RecordedUpstream, Scripted

LABEL = "OFR Short-term Funding Monitor"


def et(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=DESK_TZ)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    store = sqlite_store(tmp_path_factory.mktemp("ofr"))
    return build_registry(Services(store=store, funding=FundingBook(store), repo_market=RepoMarket(store)))


def ask(registry: Registry, text: str, now: datetime) -> Reply:
    return answer(text, CommandContext(now=now, user_id="U0TRADER"), registry)


def section(reply: Reply) -> list[str]:
    lines = reply.text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("*Repo by venue*"))
    return lines[start : start + 6]


# ---- pinned days ---------------------------------------------------------------------------------------


def test_the_2019_repo_spike_shows_tri_party_above_dvp(registry):
    reply = ask(registry, "funding 2019-09-19", et(date(2019, 9, 20), 10))

    assert reply.outcome is Outcome.OK
    assert section(reply) == [
        "*Repo by venue* — trades of Tue 17 Sep 2019 (OFR, overnight rates, total volumes; the latest day with "
        "tri-party published)",
        "• *DVP* 4.86% · volume $979.4bn",
        "• *GCF* 4.86% (all tenors; overnight not published) · volume $176.1bn",
        "• *Tri-party* 5.04% · volume $1,441.2bn",
        "• *DVP − tri-party* −18 bp (past 252 days: 0.2nd pct, −18 bp to +9 bp)",
        "• *SOFR − TGCR* (Thu 19 Sep) +5 bp (past 252 days: 97.8th pct, 0 bp to +7 bp)",
    ]
    assert "Office of Financial Research (repo by venue)" in reply.blocks[-1]["elements"][0]["text"]
    assert (Dataset.OFR_REPO, date(2019, 9, 17)) in {(o.dataset, o.day) for o in reply.observed}


def test_april_9_2025_reads_dvp_and_gcf_4_44_and_tri_party_4_39(registry):
    reply = ask(registry, "funding 2025-04-11", et(date(2025, 4, 14), 12))

    assert reply.text.splitlines()[0] == "Funding — Fri 11 Apr 2025"
    assert section(reply)[:5] == [
        "*Repo by venue* — trades of Wed 09 Apr 2025 (OFR, overnight rates, total volumes; the latest day with "
        "tri-party published)",
        "• *DVP* 4.44% · volume $2,599.8bn",
        "• *GCF* 4.44% · volume $209.1bn",
        "• *Tri-party* 4.39% · volume $2,307.9bn",
        "• *DVP − tri-party* +5 bp (past 252 days: 84th pct, −9 bp to +20 bp)",
    ]
    assert section(reply)[5].startswith("• *SOFR − TGCR* (Fri 11 Apr) +1 bp (past 252 days: ")


def test_a_spread_younger_than_252_days_says_where_it_starts(registry):
    reply = ask(registry, "funding 2018-06-01", et(date(2018, 6, 4), 12))

    dvp_tri = next(line for line in section(reply) if line.startswith("• *DVP − tri-party*"))
    assert "(since 2018-05-08, 16 days: " in dvp_tri
    assert "trades of Wed 30 May 2018" in section(reply)[0]


# ---- OFR's lag -------------------------------------------------------------------------------------------


def test_ofr_repo_is_public_two_business_days_later_at_three():
    assert published_at(Dataset.OFR_REPO, date(2025, 4, 9)) == et(date(2025, 4, 11), 15)
    assert published_at(Dataset.OFR_REPO, date(2025, 4, 11)) == et(date(2025, 4, 15), 15)  # Friday → Tuesday
    assert published_at(Dataset.OFR_REPO, date(2025, 4, 17)) == et(date(2025, 4, 22), 15)  # over Good Friday


def test_a_replay_before_three_does_not_show_the_day_ofr_publishes_at_three(registry):
    before = ask(registry, "funding", et(date(2025, 4, 11), 14, 59))
    after = ask(registry, "funding", et(date(2025, 4, 11), 15))

    assert "trades of Tue 08 Apr 2025" in section(before)[0]
    assert "trades of Wed 09 Apr 2025" in section(after)[0]
    for reply, moment in ((before, et(date(2025, 4, 11), 14, 59)), (after, et(date(2025, 4, 11), 15))):
        assert all(o.published() <= moment for o in reply.observed)


def test_no_funding_answer_in_the_replay_week_shows_repo_figures_before_ofr_published_them(registry):
    moment, late, shown = et(date(2025, 4, 7), 6), [], set()
    while moment <= et(date(2025, 4, 11), 19):
        reply = ask(registry, "funding", moment)
        late += [(moment, o.dataset, o.day) for o in reply.observed if o.published() > moment]
        shown.update(o.day for o in reply.observed if o.dataset is Dataset.OFR_REPO)
        moment += timedelta(hours=2)
    assert late == []
    assert shown == {date(2025, 4, d) for d in (2, 3, 4, 7, 8, 9)}


def test_funding_for_a_day_never_shows_that_days_ofr_figures(registry):
    reply = ask(registry, "funding 2025-04-09", et(date(2026, 1, 5), 12))

    assert "trades of Mon 07 Apr 2025" in section(reply)[0]  # 04-08's tri-party came out on 04-10 at 15:00


# ---- newer than the history: the live source on 127.0.0.1 ----------------------------------------------


def live_registry(tmp_path: Path, server: RecordedUpstream) -> tuple[Registry, RepoMarket]:
    store = sqlite_store(tmp_path)
    client = UpstreamClient(LABEL, server.base_url("ofr"), sleep=lambda seconds: None, backoff_seconds=0)
    market = RepoMarket(store, OfrSource(client), shipped=repo_until(tmp_path / "s", date(2025, 4, 4)))
    return build_registry(Services(store=store, funding=FundingBook(store), repo_market=market)), market


def test_days_after_the_history_are_fetched_per_series_stored_and_shown(tmp_path):
    folder = tmp_path / "recorded"
    folder.mkdir()
    recordings = ofr_recordings(folder, list(MNEMONICS.values()), date(2025, 4, 1), date(2025, 4, 15))
    with RecordedUpstream(recordings, fixtures=folder) as server:
        registry, market = live_registry(tmp_path, server)
        reply = ask(registry, "funding 2025-04-11", et(date(2025, 4, 14), 12))
        asked = server.requests_to("ofr")

    assert section(reply)[1:4] == [
        "• *DVP* 4.44% · volume $2,599.8bn",
        "• *GCF* 4.44% · volume $209.1bn",
        "• *Tri-party* 4.39% · volume $2,307.9bn",
    ]
    assert {request.query["mnemonic"] for request in asked} == set(MNEMONICS.values())
    tri = next(request.query for request in asked if request.query["mnemonic"] == "REPO-TRI_AR_OO-P")
    assert tri == {"mnemonic": "REPO-TRI_AR_OO-P", "start_date": "2025-04-05", "end_date": "2025-04-09"}
    stored = {record.key for record in market.store.load(DATASET)}
    assert "REPO-TRI_AR_OO-P:2025-04-09" in stored and "REPO-TRI_AR_OO-P:2025-04-10" not in stored  # not yet public


def test_with_ofr_down_the_section_answers_from_the_history_and_says_so(tmp_path, upstream):
    upstream.script("ofr", "/series/timeseries", Scripted(b"busy", 503, "text/plain"))
    registry, _market = live_registry(tmp_path, upstream)

    reply = ask(registry, "funding 2025-04-11", et(date(2025, 4, 14), 12))

    assert reply.outcome is Outcome.OK
    assert "trades of Fri 04 Apr 2025" in section(reply)[0]
    context = reply.blocks[-1]["elements"][0]["text"]
    assert f"{LABEL} is unavailable: it answered HTTP 503 (repo rates on record through 2025-04-04)" in context


def test_without_the_repo_market_funding_is_unchanged(tmp_path):
    store = sqlite_store(tmp_path)
    registry = build_registry(Services(store=store, funding=FundingBook(store)))

    reply = ask(registry, "funding 2025-04-11", et(date(2025, 4, 14), 12))

    assert "*Repo by venue*" not in reply.text and "Office of Financial Research" not in reply.text


def test_a_typed_as_of_date_caps_the_repo_market_at_that_close(registry):
    reply = ask(registry, "funding --as-of 2025-04-09", et(date(2026, 1, 5), 12))

    assert reply.text.splitlines()[0] == "Funding — Wed 09 Apr 2025"
    assert "trades of Mon 07 Apr 2025" in section(reply)[0]


def test_the_wired_bot_shows_the_repo_market_in_funding(tmp_path, upstream):
    from bot.config import Settings
    from bot.wiring import wire

    settings = Settings(**{**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path)}, _env_file=None)  # type: ignore[call-arg]
    reply = ask(wire(settings).registry, "funding 2025-04-11", et(date(2025, 4, 14), 12))

    assert section(reply)[3] == "• *Tri-party* 4.39% · volume $2,307.9bn"
    assert upstream.requests_to("ofr") == []  # the shipped history already holds the day
