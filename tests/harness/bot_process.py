"""`deskbot serve` as a subprocess in HTTP mode, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.demo.local_server import free_port

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
# Every log file a BotProcess writes, so the suite's log scan reads them all at the end.
LOG_PATHS: list[Path] = []


class BotProcess:
    """Runs the real bot against local stand-ins; `events_url` is where Slack would POST."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workdir: Path | None = None,
        startup_timeout: float = 30.0,
        wait_for_http: bool = True,
        args: tuple[str, ...] = (),
    ) -> None:
        self._args = args
        self.port = free_port()
        self._workdir = workdir or Path(tempfile.mkdtemp(prefix="deskbot-e2e-"))
        self.log_path = self._workdir / "deskbot.log"
        LOG_PATHS.append(self.log_path)
        self._env = {
            **clean_environment(),
            "PORT": str(self.port),
            "DESKBOT_BIND": "127.0.0.1",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DESKBOT_DATA_DIR": str(self._workdir / "data"),
            "DESKBOT_LOG_LEVEL": "DEBUG",
            **env,
        }
        self._startup_timeout = startup_timeout
        self._wait_for_http = wait_for_http
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    def __enter__(self) -> BotProcess:
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", *self._args],
            env=self._env,
            cwd=self._workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if self._wait_for_http:
            self._wait_until_healthy()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> int | None:
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode

    def kill(self) -> None:
        """SIGKILL: no clean-up, as when a machine or container dies."""
        assert self._process is not None
        self._process.kill()
        self._process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"deskbot exited with {self._process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"deskbot did not become healthy in {self._startup_timeout}s:\n{self.log()}")


def clean_environment() -> dict[str, str]:
    """The current environment without any real Slack or deskbot settings."""
    project_root = str(Path(__file__).resolve().parents[2])
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DESKBOT_", "FRED_")) and key != "PORT"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [project_root, env.get("PYTHONPATH")]))
    return env
