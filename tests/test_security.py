"""Forged, replayed, stale and oversized requests are refused; secrets never reach a log line."""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import ConfigError, load_settings
from bot.demo.slack_workspace import RESPONSE_URL, SlackStandIn
from bot.logs import REDACTED, RedactingFormatter, configure_logging, redact, remember_secret
from bot.request_guard import RequestGuard, SeenSignatures
from bot.storage.database import create_database
from tests.harness import log_scan
from tests.harness.bot_process import SIGNING_SECRET, BotProcess, clean_environment
from tests.harness.signing import signed_headers, slash_command_body

MAX_BODY = 16 * 1024  # set through DESKBOT_MAX_BODY_BYTES for the bot under test
DB_PASSWORD = "some-db-password"
log_scan.add_database_password(DB_PASSWORD)


@pytest.fixture(scope="module")
def slack_module() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def bot(slack_module: SlackStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    env = {
        "SLACK_BOT_TOKEN": slack_module.token,
        "SLACK_API_URL": slack_module.api_url,
        "DESKBOT_MAX_BODY_BYTES": str(MAX_BODY),
        "DESKBOT_SCHEDULER": "false",
    }
    with BotProcess(env, workdir=tmp_path_factory.mktemp("security")) as process:
        yield process


def _query(bot: BotProcess, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(f"sqlite:///{bot.log_path.parent / 'data' / 'deskbot.sqlite3'}")
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def _runs(bot: BotProcess, command_text: str) -> int:
    return _query(bot, "SELECT count(*) FROM command_runs WHERE command_text = :t", t=command_text)[0][0]


def _wait_for_run(bot: BotProcess, command_text: str) -> None:
    deadline = time.monotonic() + 10
    while _runs(bot, command_text) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)


def _post(bot: BotProcess, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(bot.events_url, content=body, headers=headers, timeout=10)


def _raw_request(port: int, request: bytes) -> bytes:
    """Send bytes as they are (a lying Content-Length, hand-made chunks) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        try:
            connection.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before taking everything
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def _head(headers: dict[str, str], extra: str) -> bytes:
    lines = [f"{name}: {value}" for name, value in headers.items()]
    start = "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return (start + "\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


# -- forged, stale, replayed ------------------------------------------------------------------
def test_a_forged_signature_gets_401_no_reply_no_record_and_no_memory(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help forged", slack_module.response_url("sec-forged"))

    forged = signed_headers("not-the-signing-secret", body)
    tampered = {**signed_headers(SIGNING_SECRET, body), "X-Slack-Request-Timestamp": str(int(time.time()) - 1)}
    responses = [_post(bot, body, forged), _post(bot, body, tampered)]

    assert [response.status_code for response in responses] == [401, 401]
    time.sleep(1.0)
    assert slack_module.calls_to(RESPONSE_URL, key="sec-forged") == []
    assert _runs(bot, "help forged") == 0
    signatures = {"a": forged["X-Slack-Signature"], "b": tampered["X-Slack-Signature"]}
    stored = "SELECT count(*) FROM seen_signatures WHERE signature IN (:a, :b)"
    assert _query(bot, stored, **signatures) == [(0,)]  # checked before anything is stored


def test_an_accepted_signature_is_stored(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help stored", slack_module.response_url("sec-stored"))
    headers = signed_headers(SIGNING_SECRET, body)

    assert _post(bot, body, headers).status_code == 200

    deadline = time.monotonic() + 5
    stored = "SELECT request_ts FROM seen_signatures WHERE signature = :s"
    while not _query(bot, stored, s=headers["X-Slack-Signature"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _query(bot, stored, s=headers["X-Slack-Signature"]) == [(int(headers["X-Slack-Request-Timestamp"]),)]


def test_a_replayed_request_is_refused_and_answered_once(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help replayed", slack_module.response_url("sec-replay"))
    headers = signed_headers(SIGNING_SECRET, body)

    first = _post(bot, body, headers)
    again = _post(bot, body, headers)

    assert (first.status_code, again.status_code) == (200, 401)
    slack_module.wait_for(RESPONSE_URL, key="sec-replay")
    _wait_for_run(bot, "help replayed")
    time.sleep(1.0)  # a second answer would arrive within this
    assert len(slack_module.calls_to(RESPONSE_URL, key="sec-replay")) == 1
    assert _runs(bot, "help replayed") == 1
    assert "refused a replayed Slack request" in bot.log()


def test_the_same_command_signed_again_is_a_new_request(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help twice", slack_module.response_url("sec-twice"))

    first = _post(bot, body, signed_headers(SIGNING_SECRET, body, time.time() - 2))
    second = _post(bot, body, signed_headers(SIGNING_SECRET, body))

    assert (first.status_code, second.status_code) == (200, 200)
    slack_module.wait_for(RESPONSE_URL, 2, key="sec-twice")


def test_a_replay_after_a_restart_on_sqlite_is_refused(tmp_path: Path):
    with SlackStandIn() as slack:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_DATA_DIR": str(tmp_path / "data"),
            "DESKBOT_SCHEDULER": "false",
        }
        body = slash_command_body("help", slack.response_url("sec-restart"))
        headers = signed_headers(SIGNING_SECRET, body)
        (tmp_path / "before").mkdir(), (tmp_path / "after").mkdir()
        with BotProcess(env, workdir=tmp_path / "before") as before:
            assert _post(before, body, headers).status_code == 200
            slack.wait_for(RESPONSE_URL, key="sec-restart")
        with BotProcess(env, workdir=tmp_path / "after") as after:
            assert _post(after, body, headers).status_code == 401
        assert len(slack.calls_to(RESPONSE_URL, key="sec-restart")) == 1


def test_a_six_minute_old_request_gets_401(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help stale", slack_module.response_url("sec-stale"))

    response = _post(bot, body, signed_headers(SIGNING_SECRET, body, time.time() - 360))

    assert response.status_code == 401
    time.sleep(1.0)
    assert slack_module.calls_to(RESPONSE_URL, key="sec-stale") == []
    assert _runs(bot, "help stale") == 0


# -- body size --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["10", "lots"])
def test_a_body_limit_that_makes_no_sense_stops_start_up(monkeypatch, value: str):
    monkeypatch.setenv("DESKBOT_MAX_BODY_BYTES", value)
    with pytest.raises(ConfigError, match="^DESKBOT_MAX_BODY_BYTES: "):
        load_settings(env_file=None)


def test_a_body_under_the_limit_is_answered(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help " + "x" * (MAX_BODY // 2), slack_module.response_url("sec-fits"))

    assert _post(bot, body, signed_headers(SIGNING_SECRET, body)).status_code == 200
    slack_module.wait_for(RESPONSE_URL, key="sec-fits")


def test_a_signed_body_over_the_limit_gets_413_and_is_never_run(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("big " + "x" * MAX_BODY, slack_module.response_url("sec-big"))

    response = _post(bot, body, signed_headers(SIGNING_SECRET, body))

    assert response.status_code == 413
    time.sleep(1.0)
    assert slack_module.calls_to(RESPONSE_URL, key="sec-big") == []
    assert _query(bot, "SELECT count(*) FROM command_runs WHERE command_text LIKE 'big %'")[0][0] == 0


def test_a_content_length_over_the_limit_is_refused_without_waiting_for_the_body(
    bot: BotProcess, slack_module: SlackStandIn
):
    body = slash_command_body("help lying", slack_module.response_url("sec-lying"))
    headers = signed_headers(SIGNING_SECRET, body)

    started = time.monotonic()
    answer = _raw_request(bot.port, _head(headers, "Content-Length: 10000000\r\n") + body)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 3  # it did not wait for 10 MB that never come
    time.sleep(1.0)
    assert slack_module.calls_to(RESPONSE_URL, key="sec-lying") == []
    assert _runs(bot, "help lying") == 0


def _chunked(body: bytes, size: int = 4096) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_gets_413(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("chunky " + "x" * MAX_BODY, slack_module.response_url("sec-chunked-big"))
    headers = signed_headers(SIGNING_SECRET, body)

    answer = _raw_request(bot.port, _head(headers, "Transfer-Encoding: chunked\r\n") + _chunked(body))

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    time.sleep(1.0)
    assert slack_module.calls_to(RESPONSE_URL, key="sec-chunked-big") == []


def test_a_chunked_body_under_the_limit_is_answered(bot: BotProcess, slack_module: SlackStandIn):
    body = slash_command_body("help chunked", slack_module.response_url("sec-chunked"))
    headers = signed_headers(SIGNING_SECRET, body)

    answer = _raw_request(bot.port, _head(headers, "Transfer-Encoding: chunked\r\n") + _chunked(body, 100))

    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    slack_module.wait_for(RESPONSE_URL, key="sec-chunked")


class _CountingInput(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def _call_guard(environ: dict, database_url: str) -> tuple[str, int]:
    reached: list[bool] = []

    def inner(environ: dict, start_response):  # type: ignore[no-untyped-def]
        reached.append(True)
        start_response("200 OK", [])
        return [b""]

    guard = RequestGuard(SIGNING_SECRET, SeenSignatures(create_database(database_url)), max_body_bytes=1024)
    statuses: list[str] = []
    guard.protect(inner)(environ, lambda status, headers: statuses.append(status))
    return statuses[0], len(reached)


@pytest.mark.parametrize("how", ["content-length", "chunked, no length"])
def test_the_guard_refuses_a_big_body_before_reading_past_the_limit(tmp_path, how: str):
    stream = _CountingInput(b"x" * 100_000)
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "wsgi.input": stream}
    environ |= {"CONTENT_LENGTH": "100000"} if how == "content-length" else {"wsgi.input_terminated": True}

    status, reached = _call_guard(environ, f"sqlite:///{tmp_path / 'guard.sqlite3'}")

    assert (status, reached) == ("413 Request Entity Too Large", 0)
    assert stream.bytes_read == (0 if how == "content-length" else 1025)


# -- the shared memory of signatures ------------------------------------------------------------
def test_a_signature_is_accepted_once_across_instances_and_purged_after_the_window(database_url: str):
    sessions = create_database(database_url)
    now = [1_750_000_000.0]
    t0 = int(now[0])

    def instance() -> SeenSignatures:
        """Another instance (PostgreSQL) or this one restarted (SQLite, which serves one)."""
        return SeenSignatures(sessions, clock=lambda: now[0], purge_every=None)

    one = instance()
    old, fresh = "v0=" + "a" * 64, "v0=" + "b" * 64

    assert one.first_sighting(old, t0 - 200) is True
    assert one.first_sighting(old, t0 - 200) is False  # this instance remembers
    one.flush()
    other = instance()
    assert other.first_sighting(old, t0 - 200) is False  # the database remembers
    assert other.first_sighting(fresh, t0) is True
    other.flush()

    now[0] += 100  # `old` is 300 s old: a signature check could still pass it
    assert one.purge() == 0
    now[0] += 100  # 400 s: past the window and the clock-skew margin
    assert one.purge() == 1
    assert instance().first_sighting(fresh, t0) is False  # kept
    assert instance().first_sighting(old, t0 - 200) is True  # forgotten (the age check refuses it anyway)


def test_old_signatures_are_purged_in_the_background(tmp_path: Path):
    sessions = create_database(f"sqlite:///{tmp_path / 'seen.sqlite3'}")
    now = time.time()
    first = SeenSignatures(sessions, purge_every=None)
    first.first_sighting("v0=" + "c" * 64, int(now) - 1000)
    first.flush()

    seen = SeenSignatures(sessions)
    assert seen.first_sighting("v0=" + "d" * 64, int(now)) is True

    deadline = time.monotonic() + 5
    with sessions() as session:
        while time.monotonic() < deadline:
            left = session.execute(text("SELECT signature FROM seen_signatures")).scalars().all()
            session.rollback()
            if left == ["v0=" + "d" * 64]:
                break
            time.sleep(0.05)
    assert left == ["v0=" + "d" * 64]


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    """A database of its own on the test server, reached with a password (trust auth accepts any)."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"deskbot_replay_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name, password=DB_PASSWORD).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_replay_to_another_instance_on_the_same_postgresql_is_refused(shared_postgres: str, tmp_path: Path):
    with SlackStandIn() as slack:
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
            "DESKBOT_DATABASE_URL": shared_postgres,
            "DESKBOT_SCHEDULER": "false",
        }
        (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
        with BotProcess(env, workdir=tmp_path / "a") as first, BotProcess(env, workdir=tmp_path / "b") as second:
            body = slash_command_body("help", slack.response_url("sec-two-instances"))
            headers = signed_headers(SIGNING_SECRET, body)

            accepted = _post(first, body, headers)
            replayed = _post(second, body, headers)

            assert (accepted.status_code, replayed.status_code) == (200, 401)
            slack.wait_for(RESPONSE_URL, key="sec-two-instances")
            time.sleep(1.0)
            assert len(slack.calls_to(RESPONSE_URL, key="sec-two-instances")) == 1
            assert "refused a replayed Slack request" in second.log()
            for process in (first, second):
                assert DB_PASSWORD not in process.log()


# -- what reaches the log ---------------------------------------------------------------------
def test_response_urls_never_reach_the_log(bot: BotProcess, slack_module: SlackStandIn):
    url = slack_module.response_url("sec-logged-url")
    body = slash_command_body("help", url)
    assert _post(bot, body, signed_headers(SIGNING_SECRET, body)).status_code == 200
    slack_module.wait_for(RESPONSE_URL, key="sec-logged-url")
    time.sleep(0.5)

    log = bot.log()

    assert "sec-logged-url" not in log  # neither plain nor form-encoded, at DEBUG
    assert REDACTED in log


@pytest.mark.parametrize(
    "line",
    [
        "body: token=x&response_url=http%3A%2F%2F10.1.2.3%3A80%2Fhook%2Fabc&trigger_id=1",
        '{"type": "slash_commands", "response_url": "http://10.1.2.3/hook/abc", "text": "help"}',
        "payload {'response_url': 'http://10.1.2.3/hook/abc', 'text': 'help'}",
        'message: {\\"response_url\\":\\"http://10.1.2.3/hook/abc\\"}',
        "Sending a request - url: https://hooks.slack-gov.com/commands/T1/2/abc, body: {}",
        "Sending a request - url: http://10.1.2.3:8080/commands/T1/2/abc, body: {}",
    ],
)
def test_response_url_fields_and_addresses_are_scrubbed_whatever_the_host(line: str):
    cleaned = redact(line)
    assert "abc" not in cleaned and REDACTED in cleaned


def test_a_live_response_url_is_scrubbed_in_any_encoding():
    url = "http://10.9.8.7:1234/reply/one-off-key"
    remember_secret(url)
    formatter = RedactingFormatter("%(message)s")
    for shown in (url, "http%3A%2F%2F10.9.8.7%3A1234%2Freply%2Fone-off-key"):
        record = logging.LogRecord("t", logging.DEBUG, __file__, 1, "posting to %s", (shown,), None)
        assert "one-off-key" not in formatter.format(record)


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_the_database_password_is_scrubbed_from_log_lines(monkeypatch, capsys, restore_root_logging):
    url = f"postgresql+psycopg://deskbot:{DB_PASSWORD}@db.internal:5432/deskbot"
    monkeypatch.setenv("DESKBOT_DATABASE_URL", url)
    settings = load_settings(env_file=None)
    assert DB_PASSWORD in settings.secrets()
    configure_logging("DEBUG", settings.secrets())

    logging.getLogger("deskbot.storage").warning("cannot open %s (password %s rejected)", url, DB_PASSWORD)
    written = capsys.readouterr().err

    assert "cannot open postgresql+psycopg://deskbot:[redacted]@db.internal:5432/deskbot" in written
    assert DB_PASSWORD not in written


# -- the suite-wide log scan itself --------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (f"DEBUG slack_bolt: verifying with {SIGNING_SECRET}", "Slack signing secret"),
        ("DEBUG slack_sdk: Authorization: Bearer xoxb-test-token", "Slack bot token"),
        ("DEBUG slack_sdk: opening with xapp-test-app-token", "Slack app token"),
        ("DEBUG slack_sdk.webhook: Sending a request - url: http://127.0.0.1:4242/commands/k-1, body", "response_url"),
        ("DEBUG x: body=response_url=http%3A%2F%2F127.0.0.1%3A4242%2Fcommands%2Fk-1&text=help", "response_url"),
        (f"WARNING bot.storage: login failed with {DB_PASSWORD}", "database password"),
    ],
)
def test_the_log_scan_finds_a_planted_secret_and_does_not_repeat_it(line: str, kind: str):
    [finding] = log_scan.SCANNER.scan_lines(["INFO clean line", line], "planted.log")

    assert finding.kind == kind
    assert finding.source == "planted.log line 2"
    assert "k-1" not in finding.line and SIGNING_SECRET not in finding.line and DB_PASSWORD not in finding.line
    assert f"<{kind}>" in finding.line


def test_the_log_scan_passes_redacted_lines():
    lines = [redact(f"url http://127.0.0.1:4242/commands/k-1 token xoxb-test-token {SIGNING_SECRET}", [SIGNING_SECRET])]
    assert log_scan.SCANNER.scan_lines(lines, "clean.log") == []


def test_the_log_scan_reads_deskbot_serve_log_files(tmp_path: Path):
    log = tmp_path / "deskbot.log"
    log.write_text("INFO bot: started\nDEBUG slack_sdk: url: http://127.0.0.1:4242/commands/k-2, body\n")

    [finding] = log_scan.scan_process_logs([log, tmp_path / "never-written.log"])

    assert (finding.kind, finding.source) == ("response_url", f"{log} line 2")


def test_a_run_whose_log_holds_a_secret_fails_and_names_the_kind(tmp_path: Path):
    tmp_path.joinpath("test_leaky.py").write_text(
        "import logging\n\n"
        "def test_leaks():\n"
        f"    logging.getLogger('leaky').debug('verifying with %s', {SIGNING_SECRET!r})\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.harness.log_scan", "."],
        cwd=tmp_path,
        env={**clean_environment(), "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 1, output
    assert "1 passed" in output
    assert "FAILED log scan: 1 log line(s) hold a secret" in output
    assert "Slack signing secret in a log record of leaky during test_leaky.py::test_leaks" in output
    assert "verifying with <Slack signing secret>" in output
    assert SIGNING_SECRET not in output
