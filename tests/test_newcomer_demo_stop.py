"""`deskbot demo` stopped by SIGTERM (a supervisor, `kill`) cleans up exactly as Ctrl-C does:
its `deskbot serve` child is gone, both ports are closed and its temporary home is removed."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.demo.local_server import free_port
from tests.harness.bot_process import clean_environment

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="finds the demo's child process through Linux /proc"
)

START_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0  # the demo gives its bot 10 s to stop before killing it


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode(errors="replace").partition("=")[::2] for pair in pairs if b"=" in pair)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _poll(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def _first_line_with(stream, text: str, timeout: float) -> str:  # type: ignore[no-untyped-def]
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if text in line:
            return line
    raise AssertionError(f"the demo did not print {text!r} within {timeout:.0f} s")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_demo_stops_its_bot_and_removes_its_temporary_home(tmp_path: Path, stop: signal.Signals) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    page_port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", str(page_port)],
        env={**clean_environment(), "TMPDIR": str(temp)},  # tempfile.mkdtemp puts the demo's home here
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    children: list[int] = []
    try:
        line = _first_line_with(demo.stdout, f"open http://127.0.0.1:{page_port}/", START_TIMEOUT)
        assert "Ctrl-C stops" in line
        (home,) = temp.iterdir()
        assert home.name.startswith("deskbot-demo-") and (home / "deskbot.log").exists()
        children = _children(demo.pid)
        (bot,) = children
        assert b"serve" in Path(f"/proc/{bot}/cmdline").read_bytes().split(b"\0")
        bot_port = int(_environ(bot)["PORT"])
        assert _accepts(page_port) and _accepts(bot_port)

        demo.send_signal(stop)

        assert demo.wait(timeout=STOP_TIMEOUT) == 0, demo.stderr.read() if demo.stderr else ""
        assert _poll(lambda: not _running(bot), timeout=2.0), f"deskbot serve (pid {bot}) outlived the demo"
        assert not _accepts(bot_port)
        assert not _accepts(page_port)
        assert list(temp.iterdir()) == []
        assert "Traceback" not in (demo.stderr.read() if demo.stderr else "")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        for pid in children:
            if _running(pid):
                subprocess.run(["kill", "-KILL", str(pid)], check=False)
