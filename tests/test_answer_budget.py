"""A slow source never keeps the asker waiting: an answer from stored data within the budget, then the fresh one.

`deskbot serve` runs for real; Treasury's par-curve service holds every request
past the client's timeout, so a refresh takes its retries (about 20 s) before it
gives up, as a hanging source does.
"""

from __future__ import annotations

import time

from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn
from bot.slack_app import ANSWER_BUDGET_SECONDS
from tests.harness.bot_process import SIGNING_SECRET, BotProcess
from tests.harness.faults import Fault
from tests.harness.signing import send_slash_command
from tests.harness.upstream import RecordedUpstream


def test_a_hanging_source_gets_an_answer_from_stored_data_then_the_fresh_one_replaces_it(tmp_path):
    with SlackStandIn() as slack, RecordedUpstream() as upstream:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_SCHEDULER": "false",
            "DESKBOT_UPSTREAM_TIMEOUT_SECONDS": "1.5",
            **upstream.env(),
        }
        upstream.play("treasury_rates", Fault.TIMEOUT, hold_seconds=60)
        with BotProcess(env, workdir=tmp_path) as bot:
            started = time.monotonic()
            ack = send_slash_command(bot.events_url, SIGNING_SECRET, "yields 10y", slack.response_url("slow"))
            assert ack.status_code == 200

            first = slack.wait_for(RESPONSE_URL, key="slow", timeout=20)[0]
            first_at = time.monotonic() - started
            fresh = slack.wait_for(RESPONSE_URL, count=2, key="slow", timeout=90)[1]
            asked = len(upstream.requests_to("treasury_rates"))
            upstream.reset()  # let the held requests go

        assert first_at < ANSWER_BUDGET_SECONDS + 3, f"the first answer took {first_at:.1f} s"
        interim = first.params
        assert "Refreshing from Treasury (daily par yield curve)" in interim["text"]
        assert "10y" in interim["text"]
        assert "replace_original" not in interim
        final = fresh.params
        assert final["replace_original"] is True
        assert "Refreshing from" not in final["text"]
        assert "Treasury (daily par yield curve) is unavailable" in final["text"]  # the fresh attempt, named
        assert asked >= 3  # retried behind the answer, not in front of it
