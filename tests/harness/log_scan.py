"""A pytest plugin that fails the run if any log line of the suite holds a test secret.

Two sources are scanned: every log record made in the test process, captured at
DEBUG whatever the root level (and formatted the way deskbot formats its lines),
and the log file of every `deskbot serve` started through `BotProcess`. The secrets
are the stand-in's tokens, the test signing secret, any response_url the stand-in
hands out (`/commands/` addresses) and every database password a test registers.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from bot.demo.slack_workspace import SlackStandIn
from bot.logs import LOG_FORMAT, RedactingFormatter
from tests.harness import bot_process

# Response_urls as the stand-in hands them out, plain or form-encoded, on any host.
_RESPONSE_URL = re.compile(r"https?://[^\s/'\"]+/commands/[A-Za-z0-9_.~-]|https?%3A%2F%2F[^\s&'\"]+%2Fcommands%2F")
_RESPONSE_URL_MARKERS = ("/commands/", "%2Fcommands%2F")


@dataclass(frozen=True)
class Finding:
    kind: str
    source: str
    line: str  # with the secret itself replaced by its kind

    def describe(self) -> str:
        return f"{self.kind} in {self.source}: {self.line[:400]}"


class SecretScanner:
    """Known secret values by kind, plus response_url addresses by shape."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._markers: tuple[str, ...] = _RESPONSE_URL_MARKERS

    def add(self, kind: str, value: str) -> None:
        with self._lock:
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                self._values[form] = kind
            self._markers = (*_RESPONSE_URL_MARKERS, *self._values)

    def values(self) -> dict[str, str]:
        with self._lock:
            return dict(self._values)

    def might_hold_a_secret(self, text: str) -> bool:
        """A cheap first look at every record: False means `text` certainly holds none."""
        return any(marker in text for marker in self._markers)

    def scan(self, text: str, source: str) -> list[Finding]:
        """One finding per kind of secret in `text`, the line shown with the secrets blanked."""
        kinds: list[str] = []
        shown = text
        for value, kind in sorted(self.values().items(), key=lambda item: len(item[0]), reverse=True):
            if value in shown:
                kinds.append(kind)
                shown = shown.replace(value, f"<{kind}>")
        if _RESPONSE_URL.search(shown):
            kinds.append("response_url")
            shown = re.sub(r"\S*(?:/commands/|%2Fcommands%2F)\S*", "<response_url>", shown)
        return [Finding(kind, source, shown.strip()) for kind in dict.fromkeys(kinds)]

    def scan_lines(self, lines: Iterable[str], source: str) -> list[Finding]:
        found: list[Finding] = []
        for number, line in enumerate(lines, start=1):
            if self.might_hold_a_secret(line):
                found.extend(self.scan(line, f"{source} line {number}"))
        return found


SCANNER = SecretScanner()
SCANNER.add("Slack bot token", SlackStandIn.token)
SCANNER.add("Slack app token", SlackStandIn.app_token)
SCANNER.add("Slack signing secret", bot_process.SIGNING_SECRET)


def add_database_password(password: str) -> None:
    """A database password some test uses: no log line may show it."""
    SCANNER.add("database password", password)


class _Capture:
    """Sees every record at DEBUG without changing what other handlers (caplog) see.

    `configure_logging` replaces the root's handlers, so the capture sits in
    `Logger` itself: loggers answer "enabled" for anything at DEBUG or above (unless
    a logger below the root sets its own level, as SQLAlchemy does), and records
    the root level would have dropped are captured, then dropped as before.
    """

    def __init__(self, scanner: SecretScanner) -> None:
        self._scanner = scanner
        self._plain = logging.Formatter(LOG_FORMAT)
        self._default = RedactingFormatter(LOG_FORMAT)
        self.findings: list[Finding] = []
        self.records = 0
        self.current_test = "collection"
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        self._installed = True
        enabled, handle = logging.Logger.isEnabledFor, logging.Logger.handle
        capture = self

        def is_enabled_for(logger: logging.Logger, level: int) -> bool:
            if enabled(logger, level):
                return True
            if logger.disabled or logging.root.manager.disable >= level:
                return False
            return level >= _capture_level(logger)

        def handle_and_capture(logger: logging.Logger, record: logging.LogRecord) -> None:
            capture.take(record)
            if enabled(logger, record.levelno):
                handle(logger, record)

        logging.Logger.isEnabledFor = is_enabled_for  # type: ignore[method-assign]
        logging.Logger.handle = handle_and_capture  # type: ignore[method-assign]
        logging.root._cache.clear()  # earlier answers to isEnabledFor are cached per logger
        for logger in logging.root.manager.loggerDict.values():
            if isinstance(logger, logging.Logger):
                logger._cache.clear()

    def take(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            raw = self._plain.format(record)
        except Exception:  # a broken log call is not ours to report here
            return
        if not self._scanner.might_hold_a_secret(raw):
            return
        line = self._formatter().format(record)
        self.findings.extend(self._scanner.scan(line, f"a log record of {record.name} during {self.current_test}"))

    def _formatter(self) -> logging.Formatter:
        # deskbot writes through configure_logging's formatter: use it if the code under test set it up.
        for handler in logging.root.handlers:
            if isinstance(handler.formatter, RedactingFormatter):
                return handler.formatter
        return self._default


def _capture_level(logger: logging.Logger) -> int:
    """The level `logger` would have with the root at DEBUG."""
    node: logging.Logger | None = logger
    while node is not None and node is not logging.root:
        if node.level:
            return node.level
        node = node.parent
    return logging.DEBUG


CAPTURE = _Capture(SCANNER)
_FINDINGS_KEY = pytest.StashKey[list[Finding]]()


def scan_process_logs(paths: Iterable[Path]) -> Iterator[Finding]:
    """Findings in the log file of every `deskbot serve` the suite started."""
    for path in dict.fromkeys(paths):
        if path.exists():
            with path.open(errors="replace") as lines:
                yield from SCANNER.scan_lines(lines, str(path))


# -- pytest hooks ------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    CAPTURE.install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    CAPTURE.current_test = item.nodeid
    try:
        return (yield)
    finally:
        CAPTURE.current_test = f"after {item.nodeid}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    findings = CAPTURE.findings + list(scan_process_logs(bot_process.LOG_PATHS))
    session.config.stash[_FINDINGS_KEY] = findings
    if findings and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if findings and session.config.pluginmanager.get_plugin("terminalreporter") is None:
        print(_report(findings), file=sys.stderr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    findings = terminalreporter.config.stash.get(_FINDINGS_KEY, [])
    scanned = f"{CAPTURE.records} in-process log records and {len(set(bot_process.LOG_PATHS))} deskbot serve logs"
    if not findings:
        terminalreporter.write_line(f"log scan: no secret in {scanned}")
        return
    terminalreporter.section("secrets in logs", sep="=", red=True, bold=True)
    terminalreporter.write_line(_report(findings), red=True)


def _report(findings: list[Finding]) -> str:
    shown = [f"  {finding.describe()}" for finding in findings[:20]]
    more = [f"  … and {len(findings) - 20} more"] if len(findings) > 20 else []
    return "\n".join([f"FAILED log scan: {len(findings)} log line(s) hold a secret:", *shown, *more])
