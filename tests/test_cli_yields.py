"""`deskbot ask` answers /yields and /curve offline from the shipped data and writes the charts."""

from __future__ import annotations

from tests.harness.upstream import FIXTURES, RecordedUpstream
from tests.test_cli import run_deskbot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OFFLINE = {"DESKBOT_TREASURY_RATES_URL": "http://127.0.0.1:9/unreachable"}


def test_yields_30y_as_of_a_past_friday_works_offline_and_writes_its_chart(tmp_path):
    out = tmp_path / "charts"
    env = {**OFFLINE, "DESKBOT_DATA_DIR": str(tmp_path / "data")}

    args = ("ask", "/deskbot yields 30y", "--as-of", "2025-04-11", "--out", str(out))
    result = run_deskbot(*args, env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert (
        "+44 bp on the week: largest weekly rise since the series resumed on 2006-02-10"
        " (before its 2002–2006 break: the Friday-to-Friday week ending 1987-04-24, +47 bp)" in result.stdout
    )
    chart = out / "yields_30y_2025-04-11.png"
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
    assert f"chart written to {chart}" in result.stderr


def test_curve_between_two_dates_works_offline_and_writes_its_chart(tmp_path):
    out = tmp_path / "charts"
    env = {**OFFLINE, "DESKBOT_DATA_DIR": str(tmp_path / "data")}

    result = run_deskbot("ask", "/deskbot curve 2025-04-09 vs 2025-04-02", "--out", str(out), env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "2y 0 bp, 10y +14 bp, 30y +18 bp since 2025-04-02" in result.stdout
    assert (out / "curve_2025-04-09_2025-04-02.png").read_bytes().startswith(PNG_SIGNATURE)


def test_data_refresh_shows_progress_and_stores_what_it_fetched(tmp_path, upstream: RecordedUpstream):
    upstream.serve_file(
        "treasury_rates", "/daily-treasury-rates.csv/2026/all", FIXTURES / "daily-treasury-rates-2025-to-0926.csv"
    )
    env = {**upstream.env(), "DESKBOT_DATA_DIR": str(tmp_path / "data")}

    result = run_deskbot("data", "refresh", "--as-of", "2026-01-05", env=env, cwd=tmp_path)

    # The 2026 file served here holds 2025 rows only: nothing newer than the shipped data is stored.
    assert result.returncode == 0, result.stderr
    assert "par yield curve: stored up to 2025-12-31" in result.stdout
    assert "par yield curve: fetching 2026 from Treasury (daily par yield curve)" in result.stdout
    assert "par yield curve: stored 0 days; latest close 2025-12-31" in result.stdout


def test_data_refresh_with_the_source_down_says_so_and_fails(tmp_path):
    env = {**OFFLINE, "DESKBOT_DATA_DIR": str(tmp_path / "data")}

    result = run_deskbot("data", "refresh", "--as-of", "2026-01-05", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert "refresh failed: Treasury (daily par yield curve) is unavailable: it could not be reached" in result.stdout
    assert "keeping data up to 2025-12-31" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
