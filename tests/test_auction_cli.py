"""`deskbot ask` answers auctions offline, from the history shipped in the package."""

from __future__ import annotations

from tests.harness.upstream import RecordedUpstream
from tests.test_cli import run_deskbot


def _env(tmp_path, upstream: RecordedUpstream) -> dict[str, str]:  # type: ignore[no-untyped-def]
    # Every source points at the recorded upstream, so any network use would show in its requests.
    return {**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path / "data")}


def test_a_past_thirty_year_result_offline(tmp_path, upstream):
    result = run_deskbot("ask", "/auction 30y 2025-04-10", env=_env(tmp_path, upstream), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "30-year auction 2025-04-10: in line"
    assert "⚪ high yield 4.813% · bid-to-cover 2.43x · dealers 12.3%" in lines[2]
    # The median behind high − median is TreasuryDirect's, and the source line says so.
    assert lines[-1].startswith("Source: Treasury Fiscal Data, TreasuryDirect (median yield) · auction 2025-04-10")
    assert upstream.requests == []


def test_the_ten_year_history_chart_is_written(tmp_path, upstream):
    out = tmp_path / "charts"
    result = run_deskbot(
        "ask",
        "/auction 10y history",
        "--as-of",
        "2025-04-11",
        "--out",
        str(out),
        env=_env(tmp_path, upstream),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("10-year auctions: last 18 through 2025-04-09")
    png = out / "auction_10y_history.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert f"chart written to {png}" in result.stderr
    assert upstream.requests == []


def test_the_calendar_for_a_past_monday(tmp_path, upstream):
    result = run_deskbot("ask", "/auction next", "--as-of", "2025-04-07", env=_env(tmp_path, upstream), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Treasury auctions from 2025-04-07",
        "=================================",
        "Tue 2025-04-08",
    ]
    assert "• 1:00 pm ET — 30-year (29-Year 10-Month) · 912810UG1 · reopening · $22.0bn" in result.stdout
    assert upstream.requests == []


def test_bad_auction_text_gets_the_usage_and_exit_code_2(tmp_path, upstream):
    result = run_deskbot(
        "ask", "/auction 10y wi=4,46", "--as-of", "2025-04-11", env=_env(tmp_path, upstream), cwd=tmp_path
    )

    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "⚠️ wi= must be a number (got 4,46)."
    assert "Traceback" not in result.stderr
