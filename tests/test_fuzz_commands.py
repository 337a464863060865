"""Generated command texts never break deskbot: no trace, no internal error, one answer each.

In process, Hypothesis drives `execute` over the real registry on the shipped data;
end to end, a real `deskbot serve` answers a few hundred texts over signed HTTP.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient

from bot.config import load_settings
from bot.demo.slack_workspace import SlackStandIn, block_problem
from bot.execution import execute
from bot.wiring import wire
from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Outcome, Reply
from market.tz import DESK_TZ
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.fuzz_checks import as_logged, internals_shown, logged_texts, replies_by_key, wait_for_replies
from tests.harness.fuzz_texts import command_texts, generate_texts
from tests.harness.signing import send_slash_command
from tests.harness.upstream import RecordedUpstream

FRIDAY_EVENING = datetime(2025, 4, 11, 18, 0, tzinfo=DESK_TZ)
SHORT = {"/yields": "yields", "/curve": "curve", "/auction": "auction"}
ACK_DEADLINE_SECONDS = 3.0
E2E_COMMANDS = 500
E2E_CLIENTS = 6


# -- in process ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The registry `deskbot serve` builds, on the shipped data, upstreams at the recorded server.

    Slack is the stand-in, where `U0ADMIN` is a workspace admin, so subscriptions really change.
    """
    with RecordedUpstream() as upstream, SlackStandIn() as slack, pytest.MonkeyPatch.context() as patch:
        for name in [key for key in os.environ if key.startswith(("DESKBOT_", "SLACK_", "FRED_"))]:
            patch.delenv(name)
        for key, value in {**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path_factory.mktemp("fuzz"))}.items():
            patch.setenv(key, value)
        client = WebClient(token=slack.token, base_url=slack.api_url)
        yield wire(load_settings(env_file=None), slack_client=client).registry


def ask(registry: Registry, typed: str, user_id: str = "U0TRADER") -> Reply:
    ctx = CommandContext(
        now=FRIDAY_EVENING, user_id=user_id, channel_id="C0DESK", short_commands=SHORT, slash_command="/deskbot"
    )
    reply, ref = execute(typed, ctx, registry)
    assert ref is None, f"internal error (ref {ref}) for {typed!r}"
    return reply


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=command_texts(), user_id=st.sampled_from(("U0TRADER", "U0ADMIN")))
def test_any_text_gets_an_answer_or_a_usage_message_that_fits_slack(
    registry: Registry, typed: str, user_id: str
) -> None:
    reply = ask(registry, typed, user_id)

    assert reply.outcome is not Outcome.FAILED
    assert reply.text.strip()
    assert internals_shown(reply.text, list(reply.blocks), typed) == []
    assert block_problem(list(reply.blocks)) is None
    assert len(reply.text) <= 4000
    if reply.outcome is Outcome.USAGE_ERROR:
        assert not reply.is_in_channel


# -- the bugs fuzzing found, as a user sees them ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("preview 3y 9999-12-31", "`9999-12-31` is out of range for the auction date: use a year from 1900 to 2099"),
        ("alerts 0001-01-01", "`0001-01-01` is out of range for the date: use a year from 1900 to 2099"),
        ("yields 30y --as-of 0001-01-01", "`0001-01-01` is out of range for the --as-of date"),
        ("basis calc TYM5 110-16 4.25 9999-12-31 99-08", "`9999-12-31` is out of range for the maturity date"),
    ],
)
def test_dates_far_outside_any_history_get_a_range_message(registry: Registry, typed: str, expected: str) -> None:
    reply = ask(registry, typed)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert expected in reply.text
    assert "\nUsage: `/deskbot " in reply.text


def test_a_tenor_with_thousands_of_digits_is_not_a_tenor(registry: Registry) -> None:
    reply = ask(registry, "auction " + "1" * 4400 + "y")

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(":warning: `111111111111111111111111111111111111111…` is not a tenor I know.")
    assert "For example: `/deskbot auction next`" in reply.text


@pytest.mark.parametrize("typed", ["curve 2025-04-09 vs", "curve vs 2025-04-09", "curve 2025-04-09 vs vs 2025-04-02"])
def test_curve_vs_without_a_date_on_each_side_is_a_usage_error(registry: Registry, typed: str) -> None:
    reply = ask(registry, typed)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(":warning: `vs` needs a date on each side.")
    assert "For example: `/deskbot curve 2025-04-09 vs 2025-04-02 vs 2024-12-31`" in reply.text


@pytest.mark.parametrize("repo", ["1e300", "-100", "31"])
def test_basis_calc_refuses_a_repo_rate_no_desk_has_seen(registry: Registry, repo: str) -> None:
    reply = ask(registry, f"basis calc TYM5 110-16 4.25 2035-05-15 99-08 repo={repo}")

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(
        f":warning: `repo=` is a rate in percent from -10 to 30 (got `{repo}`). "
        "Example: `basis calc TY 110-16+ 4.25 2032-11-15 99-08 repo=4.30`"
    )


@pytest.mark.parametrize("typed", ["summary daily 2025-04-14", "summary weekly 2099-12-31", "alerts 2025-04-12"])
def test_summaries_and_alerts_for_days_to_come_are_refused(registry: Registry, typed: str) -> None:
    reply = ask(registry, typed)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(f":warning: {typed.split()[-1]} is in the future; today is 2025-04-11.")


@pytest.mark.parametrize("tenors", ["0y", "99y", "10y,tips3y", "bill-13", ",,"])
def test_subscribing_to_a_term_treasury_does_not_sell_is_refused(registry: Registry, tenors: str) -> None:
    reply = ask(registry, f"subscribe here briefings tenors={tenors}", user_id="U0ADMIN")

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(f":warning: `tenors=` takes a list like 10y,30y,tips10y (got `{tenors}`).")


def test_subscribed_tenors_are_named_as_the_auctions_are(registry: Registry) -> None:
    reply = ask(registry, "subscribe here briefings tenors=bill-13w,10Y,30yr lead=60m", user_id="U0ADMIN")

    assert reply.outcome is Outcome.OK
    assert reply.text.startswith(
        ":white_check_mark: <#C0DESK> now gets briefings (tenors 13w, 10y, 30y; briefings 60 min before the close)."
    )


@pytest.mark.parametrize("typed", ["yields\u00a030y", "yields\u300030y", "yields 30y\u200b", "\ufeffyields\t30y"])
def test_no_break_ideographic_and_zero_width_spaces_separate_words_like_spaces(registry: Registry, typed: str) -> None:
    reply = ask(registry, typed)

    assert reply.outcome is Outcome.OK
    assert reply.text.startswith("30y Treasury — close 2025-04-11 (Fri)")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("yields --days 5", "`--days` sets a tenor's chart: name a tenor, e.g. `yields 30y --days 60`."),
        (
            "yields --since 2025-01-01",
            "`--since` sets a tenor's chart: name a tenor, e.g. `yields 30y --since 2025-01-01`.",
        ),
    ],
)
def test_yields_chart_flags_without_a_tenor_ask_for_one(registry: Registry, typed: str, expected: str) -> None:
    reply = ask(registry, typed)

    assert reply.outcome is Outcome.USAGE_ERROR
    assert reply.text.startswith(f":warning: {expected}")


# -- end to end: `deskbot serve` over signed HTTP ----------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BotProcess, SlackStandIn]]:
    workdir = tmp_path_factory.mktemp("fuzz-serve")
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_LOG_LEVEL": "INFO",
            **upstream.env(),
        }
        with BotProcess(env, workdir=workdir, args=("--as-of", "2025-04-11T18:00")) as bot:
            yield bot, slack


def test_served_texts_are_acked_answered_once_and_logged_once(served: tuple[BotProcess, SlackStandIn]) -> None:
    bot, slack = served
    texts = generate_texts(E2E_COMMANDS, seed=20250411)

    def send(index: int) -> tuple[int, float]:
        with httpx.Client(timeout=10) as client:
            started = time.monotonic()
            url = slack.response_url(f"fuzz-{index}")
            response = send_slash_command(bot.events_url, SIGNING_SECRET, texts[index], url, client=client)
            return response.status_code, time.monotonic() - started

    with ThreadPoolExecutor(E2E_CLIENTS) as pool:
        acks = list(pool.map(send, range(len(texts))))

    assert [status for status, _ in acks] == [200] * len(texts)
    assert max(elapsed for _, elapsed in acks) < ACK_DEADLINE_SECONDS
    wait_for_replies(slack, len(texts), timeout=60)
    time.sleep(1.0)  # a second answer to any command would arrive in this window
    replies = replies_by_key(slack)
    assert {key: len(calls) for key, calls in replies.items() if len(calls) != 1} == {}
    assert sorted(replies) == sorted(f"fuzz-{index}" for index in range(len(texts)))
    typed_for = {f"fuzz-{index}": typed for index, typed in enumerate(texts)}
    leaks = {
        typed_for[key]: found
        for key, (params,) in replies.items()
        if (found := internals_shown(str(params.get("text")), params.get("blocks"), typed_for[key]))
    }
    assert leaks == {}
    assert sorted(logged_texts(bot.log_path.parent / "data")) == sorted(as_logged(typed) for typed in texts)
