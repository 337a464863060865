"""The OFR Short-term Funding Monitor API as deskbot reads it: `[[date, value], …]` over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from market.funding.repo_market import MNEMONICS, SHIPPED, SHIPPED_FILE
from market.http import UpstreamClient, UpstreamError
from market.sources.ofr import OfrSource, parse_ofr_multifull
from tests.harness.dealers_repo import gz_json, ofr_recordings
from tests.harness.upstream import RecordedUpstream, Scripted

LABEL = "OFR Short-term Funding Monitor"


def source(server: RecordedUpstream) -> OfrSource:
    return OfrSource(UpstreamClient(LABEL, server.base_url("ofr"), backoff_seconds=0))


def test_a_series_comes_back_oldest_first_for_the_dates_asked(tmp_path):
    mnemonics = ["REPO-TRI_AR_OO-P", "REPO-DVP_AR_OO-P"]
    recordings = ofr_recordings(tmp_path, mnemonics, date(2019, 9, 13), date(2019, 9, 18))
    with RecordedUpstream(recordings, fixtures=tmp_path) as server:
        tri = source(server).timeseries("REPO-TRI_AR_OO-P", date(2019, 9, 13), date(2019, 9, 18))
        dvp = source(server).timeseries("REPO-DVP_AR_OO-P")
        asked = server.requests_to("ofr")

    assert [(o.day.isoformat(), o.value) for o in tri] == [
        ("2019-09-13", Decimal("2.2")),
        ("2019-09-16", Decimal("2.44")),
        ("2019-09-17", Decimal("5.04")),
        ("2019-09-18", Decimal("2.57")),
    ]
    assert {o.day: o.value for o in dvp}[date(2019, 9, 17)] == Decimal("4.86")
    assert date(2019, 9, 18) not in {o.day for o in dvp}  # withheld that day: absent, not 0
    assert asked[0].path == "/series/timeseries"
    assert asked[0].query == {"mnemonic": "REPO-TRI_AR_OO-P", "start_date": "2019-09-13", "end_date": "2019-09-18"}
    assert asked[1].query == {"mnemonic": "REPO-DVP_AR_OO-P"}


def test_every_spelling_of_missing_is_missing_and_zero_is_a_value(upstream):
    pairs = [
        ["2025-04-01", None],
        ["2025-04-02", ""],
        ["2025-04-03", "null"],
        ["2025-04-04", "."],
        ["2025-04-07", "N/A"],
        ["2025-04-08", 0],
        ["2025-04-09", 4.44],
        ["2025-04-10", "4.36"],
    ]
    upstream.script("ofr", "/series/timeseries", Scripted(json.dumps(pairs).encode()))

    values = {o.day.isoformat(): o.value for o in source(upstream).timeseries("REPO-DVP_AR_OO-P")}

    assert [day for day, value in values.items() if value is None] == [p[0] for p in pairs[:5]]
    assert values["2025-04-08"] == Decimal(0)
    assert values["2025-04-09"] == Decimal("4.44") and values["2025-04-10"] == Decimal("4.36")


def test_dates_in_milliseconds_read_as_days(upstream):
    # time_format=ms: 2025-04-09 00:00 UTC.
    upstream.script("ofr", "/series/timeseries", Scripted(b"[[1744156800000, 4.39]]"))

    [observation] = source(upstream).timeseries("REPO-TRI_AR_OO-P")

    assert (observation.day, observation.value) == (date(2025, 4, 9), Decimal("4.39"))


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (400, b'{"error": "invalid mnemonic"}', "it answered HTTP 400"),
        (200, b'{"REPO-DVP_AR_OO-P": {}}', "it sent REPO-DVP_AR_OO-P in a form I cannot read"),
        (200, b'[["2025-04-09"]]', "it sent REPO-DVP_AR_OO-P in a form I cannot read (not a [date, value] pair"),
        (200, b'[["2025-04-09", "4.4x"]]', "(not a number: '4.4x')"),
    ],
)
def test_an_answer_it_cannot_read_is_a_plain_upstream_error(upstream, status, body, reason):
    upstream.script("ofr", "/series/timeseries", Scripted(body, status))

    with pytest.raises(UpstreamError) as raised:
        source(upstream).timeseries("REPO-DVP_AR_OO-P")

    assert str(raised.value).startswith(f"{LABEL} is unavailable: ")
    assert reason in str(raised.value)


def test_the_shipped_file_is_the_multifull_layout_read_by_the_same_pair_parser():
    series = parse_ofr_multifull(gz_json(SHIPPED / SHIPPED_FILE))

    assert set(series) == set(MNEMONICS.values())
    on = {mnemonic: {o.day: o.value for o in observations} for mnemonic, observations in series.items()}
    assert on["REPO-TRI_AR_OO-P"][date(2019, 9, 17)] == Decimal("5.04")
    assert on["REPO-DVP_AR_OO-P"][date(2019, 9, 17)] == Decimal("4.86")
    assert on["REPO-GCF_AR_AG-P"][date(2019, 9, 17)] == Decimal("4.86")
    assert on["REPO-TRI_AR_OO-P"][date(2020, 3, 16)] == Decimal("0.33")
    assert max(on["REPO-DVP_AR_OO-P"].values()) == on["REPO-DVP_AR_OO-P"][date(2024, 1, 2)] == Decimal("5.43")
    nine = date(2025, 4, 9)
    assert (on["REPO-DVP_AR_OO-P"][nine], on["REPO-GCF_AR_OO-P"][nine], on["REPO-TRI_AR_OO-P"][nine]) == (
        Decimal("4.44"),
        Decimal("4.44"),
        Decimal("4.39"),
    )
    assert on["REPO-GCF_AR_AG-P"][nine] == Decimal("4.45")
    assert all(value is not None for values in on.values() for value in values.values())
