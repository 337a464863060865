"""`deskbot demo`: the local workspace, the real bot (`deskbot serve`) against it, and the April 2025 replay."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx

from bot.demo.local_server import free_port
from bot.demo.slack_workspace import Channel, SlackStandIn
from bot.demo.web import DemoWeb
from bot.storage.database import create_database
from bot.storage.subscriptions import SqlSubscriptionStore
from commands.schedule.model import Feed, Subscription
from market.tz import DESK_TZ

REPLAY_START = datetime(2025, 4, 7, 6, 0, tzinfo=DESK_TZ)
STILL_AT = datetime(2025, 4, 11, 18, 30, tzinfo=DESK_TZ)  # --speed 0: the end of the week, clock still
# The replay stops its clock here: Friday's evening posts are out, nothing of the next week is.
REPLAY_END = datetime(2025, 4, 11, 19, 0, tzinfo=DESK_TZ)
# A 24-hour desk day in 2 minutes: Monday 06:00 to Friday 19:00 in about 9.
DEFAULT_SPEED = 720.0
CHANNELS = {
    "C0DESK": Channel("C0DESK", "rates-desk"),
    "C0AUCTIONS": Channel("C0AUCTIONS", "auctions"),
    "C0MANAGERS": Channel("C0MANAGERS", "desk-managers"),
}


@dataclass
class Demo:
    workspace: SlackStandIn
    web: DemoWeb
    bot: subprocess.Popen[bytes]
    url: str
    log_path: Path
    home: Path
    # What `stop` undoes, last acquired first: the bot, its log file, the workspace, a temporary home.
    _cleanup: ExitStack = field(default_factory=ExitStack, repr=False)

    def stop(self) -> None:
        """Stop the bot (SIGTERM, then SIGKILL after 10 s) and the workspace; remove a temporary home."""
        self._cleanup.close()


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def subscribe(database_url: str) -> None:
    """What a desk would set up: auction posts in #auctions, summaries for managers, alerts on the desk."""
    store = SqlSubscriptionStore(create_database(database_url))
    tenors = ("3y", "10y", "30y")
    store.put(Subscription("C0AUCTIONS", Feed.BRIEFINGS, tenors, 60, "demo"))
    store.put(Subscription("C0AUCTIONS", Feed.FLASH, tenors, 60, "demo"))
    store.put(Subscription("C0MANAGERS", Feed.DAILY, (), 60, "demo"))
    store.put(Subscription("C0MANAGERS", Feed.WEEKLY, (), 60, "demo"))
    store.put(Subscription("C0DESK", Feed.ALERTS, (), 60, "demo"))


def start_demo(
    speed: float = DEFAULT_SPEED, port: int = 0, workdir: Path | None = None, start: datetime = REPLAY_START
) -> Demo:
    """Start the workspace and the bot; returns once both answer.

    Without `workdir` the bot's home is a temporary folder that `Demo.stop` removes. If start-up
    fails or is interrupted, whatever was started is stopped (and a temporary home removed) first.
    """
    with ExitStack() as cleanup:
        home = workdir
        if home is None:
            home = Path(tempfile.mkdtemp(prefix="deskbot-demo-"))
            cleanup.callback(shutil.rmtree, home, ignore_errors=True)
        demo, bot_port = _start(speed, port, home, start, cleanup)
        _wait_healthy(demo.bot, bot_port, demo.log_path)
        demo._cleanup = cleanup.pop_all()  # from here on `demo.stop()` undoes it all
        return demo
    raise AssertionError("unreachable")  # mypy cannot tell that ExitStack never swallows the error


def _start(speed: float, port: int, home: Path, start: datetime, cleanup: ExitStack) -> tuple[Demo, int]:
    """Start the workspace and launch the bot, registering each on `cleanup` as it starts."""
    secret = secrets.token_hex(16)
    token = "xoxb-demo-" + secrets.token_hex(8)
    web = DemoWeb(workspace=None, signing_secret=secret)  # type: ignore[arg-type]
    workspace = cleanup.enter_context(SlackStandIn(token=token, channels=dict(CHANNELS), port=port, web=web))
    web.workspace = workspace
    database = f"sqlite:///{home / 'deskbot.sqlite3'}"
    subscribe(database)
    bot_port = free_port()
    web.events_url = f"http://127.0.0.1:{bot_port}/slack/events"
    offline = "http://127.0.0.1:9"  # the demo answers from the shipped data only
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DESKBOT_", "FRED_"))},
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": workspace.api_url,
        "DESKBOT_DATABASE_URL": database,
        "DESKBOT_DATA_DIR": str(home),
        "DESKBOT_BIND": "127.0.0.1",
        "PORT": str(bot_port),
        "DESKBOT_ADMINS": "U0NEWCOMER",
        **{name: offline for name in _UPSTREAM_SETTINGS},
    }
    if speed > 0:
        started = time.time() + 3
        # Lateness is judged in desk time: give a fast replay half a real minute before a post is stale.
        env["DESKBOT_POST_GRACE_MINUTES"] = f"{max(10.0, speed / 2):g}"
        env["DESKBOT_STALE_CLAIM_SECONDS"] = f"{min(86400.0, max(120.0, speed * 60)):g}"
        args = ["--as-of", start.strftime("%Y-%m-%dT%H:%M"), "--speed", f"{speed:g}"]
        args += ["--started-at", f"{started:.3f}", "--until", REPLAY_END.strftime("%Y-%m-%dT%H:%M")]
        web.clock = {
            "real_start": started,
            "desk_start": start.timestamp(),
            "speed": speed,
            "desk_end": REPLAY_END.timestamp(),
        }
    else:
        env["DESKBOT_SCHEDULER"] = "false"
        args = ["--as-of", STILL_AT.strftime("%Y-%m-%dT%H:%M"), "--speed", "1"]
        web.clock = {"real_start": time.time(), "desk_start": STILL_AT.timestamp(), "speed": 1.0}
    log_path = home / "deskbot.log"
    log = cleanup.enter_context(log_path.open("wb"))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args], env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    cleanup.callback(_stop_process, process)
    return Demo(workspace, web, process, workspace.base_url + "/", log_path, home), bot_port


_UPSTREAM_SETTINGS = (
    "DESKBOT_TREASURYDIRECT_URL",
    "DESKBOT_FISCALDATA_URL",
    "DESKBOT_TREASURY_RATES_URL",
    "DESKBOT_NYFED_URL",
    "DESKBOT_FRED_URL",
    "DESKBOT_FREDGRAPH_URL",
    "DESKBOT_CFTC_URL",
)


def _wait_healthy(bot: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float = 60.0) -> None:
    """Return once the bot answers /healthz; raise with the end of its log if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            raise RuntimeError(f"deskbot exited while starting (exit code {bot.returncode}){_log_tail(log_path)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"deskbot did not start within {timeout:.0f} s{_log_tail(log_path)}")


def _log_tail(log_path: Path, lines: int = 20) -> str:
    """The log's last lines, to show before a temporary home (and the log in it) is removed."""
    try:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "; its log ended:\n" + "\n".join("  " + line for line in tail) if tail else ""


def run_demo(speed: float, port: int) -> int:
    """Run until Ctrl-C or SIGTERM (or SIGHUP), printing where to look; stop the bot and clean up either way."""
    with _stop_signals_as_keyboard_interrupt() as signals:
        try:
            demo = start_demo(speed, port)
        except KeyboardInterrupt:
            return 0
        except RuntimeError as error:
            print(f"deskbot demo: {error}", file=sys.stderr)
            return 1
        try:
            replay = "waiting for your commands" if speed <= 0 else f"replaying 7-11 April 2025 at {speed:g}x"
            print(f"deskbot demo: open {demo.url} in a browser ({replay}; Ctrl-C stops)", flush=True)
            while demo.bot.poll() is None:
                time.sleep(0.5)
            print(f"deskbot stopped (exit code {demo.bot.returncode}){_log_tail(demo.log_path)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            signals.stopping = True  # a second Ctrl-C or SIGTERM must not cut the clean-up short
            demo.stop()


# SIGHUP: the terminal the demo runs in was closed.
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class _StopSignals:
    """The first stop signal raises KeyboardInterrupt, as Ctrl-C does; later ones are ignored while stopping."""

    def __init__(self) -> None:
        self.stopping = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            self.stopping = True
            raise KeyboardInterrupt


@contextmanager
def _stop_signals_as_keyboard_interrupt() -> Iterator[_StopSignals]:
    """SIGINT, SIGTERM and SIGHUP all stop the demo the Ctrl-C way; the previous handlers come back after."""
    handler = _StopSignals()
    if threading.current_thread() is not threading.main_thread():
        yield handler  # handlers can only be set from the main thread
        return
    previous = {number: signal.signal(number, handler) for number in _STOP_SIGNALS}
    try:
        yield handler
    finally:
        for number, earlier in previous.items():
            signal.signal(number, earlier)
