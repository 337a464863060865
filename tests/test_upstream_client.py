"""Real HTTP calls to recorded upstream payloads, retries and plain-words failures."""

from __future__ import annotations

import httpx
import pytest

from bot.demo.local_server import free_port
from market.http import UpstreamClient, UpstreamError


def test_reads_a_recorded_nyfed_payload_over_http(upstream):
    with UpstreamClient("NY Fed", upstream.base_url("nyfed")) as client:
        body = client.get_json("/rates/secured/sofr/search.json", {"startDate": "2024-06-01", "endDate": "2024-06-06"})

    dates = [row["effectiveDate"] for row in body["refRates"]]
    assert dates == sorted(dates, reverse=True)  # newest first, as the API sends it
    assert {row["type"] for row in body["refRates"]} == {"SOFR"}
    [request] = upstream.requests
    assert request.query == {"startDate": "2024-06-01", "endDate": "2024-06-06"}


def test_recordings_match_on_query(upstream):
    with UpstreamClient("FRED", upstream.base_url("fred")) as client:
        sofr = client.get_json("/series/observations", {"series_id": "SOFR", "file_type": "json"})
        assert sofr["observations"][0]["date"] == "2024-06-03"
        with pytest.raises(UpstreamError, match="FRED is unavailable: it answered HTTP 404"):
            client.get_json("/series/observations", {"series_id": "DGS10", "file_type": "json"})


def test_server_errors_and_rate_limits_are_retried(upstream):
    upstream.fail_next("cftc", 503)
    upstream.fail_next("cftc", 429)
    with UpstreamClient("CFTC", upstream.base_url("cftc"), max_attempts=3) as client:
        rows = client.get_json("/gpe5-46if.json")

    assert rows[0]["cftc_contract_market_code"] == "043602"
    assert [request.status for request in upstream.requests] == [503, 429, 200]


def test_a_source_that_keeps_failing_is_named_in_the_error(upstream):
    for _ in range(2):
        upstream.fail_next("treasurydirect", 502)
    with UpstreamClient("TreasuryDirect", upstream.base_url("treasurydirect"), max_attempts=2) as client:
        with pytest.raises(UpstreamError) as raised:
            client.get_json("/securities/search", {"format": "json"})
    assert str(raised.value) == "TreasuryDirect is unavailable: it answered HTTP 502"


def test_an_unreachable_source_says_so():
    base = f"http://127.0.0.1:{free_port()}/api"
    with UpstreamClient("NY Fed", base, max_attempts=1) as client:
        with pytest.raises(UpstreamError, match=r"NY Fed is unavailable: it could not be reached \(ConnectError\)"):
            client.get_json("/rates/secured/sofr/last/1.json")


def test_csv_payloads_come_back_as_text(upstream):
    with UpstreamClient("Treasury", upstream.base_url("treasury_rates")) as client:
        text = client.get_text(
            "/daily-treasury-rates.csv/2025/all",
            {"type": "daily_treasury_yield_curve", "field_tdr_date_value": "2025", "_format": "csv"},
        )
    assert text.splitlines()[0].startswith('Date,"1 Mo","1.5 Month"')


def test_an_injected_transport_replaces_the_network_and_the_wait_is_injected_too():
    # Retry logic without a server: httpx's MockTransport answers 503 then the payload; no real sleep.
    answers = iter([httpx.Response(503), httpx.Response(200, json={"refRates": [{"percentRate": 0}]})])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return next(answers)

    waits: list[float] = []
    client = UpstreamClient(
        "NY Fed", "https://markets.example", transport=httpx.MockTransport(handler), sleep=waits.append
    )
    with client:
        body = client.get_json("/api/rates/secured/sofr/last/1.json")

    assert body["refRates"][0]["percentRate"] == 0  # a zero rate is a value, not missing
    assert seen == ["/api/rates/secured/sofr/last/1.json"] * 2
    assert len(waits) == 1 and waits[0] > 0
