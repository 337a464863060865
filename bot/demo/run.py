"""`deskbot demo`: the local workspace, the real bot (`deskbot serve`) against it, and the April 2025 replay."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
# A trading day (06:00-18:00 and the evening posts) in about a minute.
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

    def stop(self) -> None:
        if self.bot.poll() is None:
            self.bot.terminate()
            try:
                self.bot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.bot.kill()
        self.workspace.__exit__(None, None, None)


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
    """Start the workspace and the bot; returns once both answer."""
    home = workdir or Path(tempfile.mkdtemp(prefix="deskbot-demo-"))
    secret = secrets.token_hex(16)
    token = "xoxb-demo-" + secrets.token_hex(8)
    web = DemoWeb(workspace=None, signing_secret=secret)  # type: ignore[arg-type]
    workspace = SlackStandIn(token=token, channels=dict(CHANNELS), port=port, web=web)
    web.workspace = workspace
    workspace.__enter__()
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
        args += ["--started-at", f"{started:.3f}"]
        web.clock = {"real_start": started, "desk_start": start.timestamp(), "speed": speed}
    else:
        env["DESKBOT_SCHEDULER"] = "false"
        args = ["--as-of", STILL_AT.strftime("%Y-%m-%dT%H:%M"), "--speed", "1"]
        web.clock = {"real_start": time.time(), "desk_start": STILL_AT.timestamp(), "speed": 1.0}
    log_path = home / "deskbot.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args], env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    demo = Demo(workspace, web, process, workspace.base_url + "/", log_path)
    _wait_healthy(demo, bot_port)
    return demo


_UPSTREAM_SETTINGS = (
    "DESKBOT_TREASURYDIRECT_URL",
    "DESKBOT_FISCALDATA_URL",
    "DESKBOT_TREASURY_RATES_URL",
    "DESKBOT_NYFED_URL",
    "DESKBOT_FRED_URL",
    "DESKBOT_FREDGRAPH_URL",
    "DESKBOT_CFTC_URL",
)


def _wait_healthy(demo: Demo, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if demo.bot.poll() is not None:
            demo.stop()
            raise RuntimeError(f"deskbot exited while starting; see {demo.log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    demo.stop()
    raise RuntimeError(f"deskbot did not start within {timeout:.0f} s; see {demo.log_path}")


def run_demo(speed: float, port: int) -> int:
    """Run until Ctrl-C, printing where to look."""
    demo = start_demo(speed, port)
    replay = "waiting for your commands" if speed <= 0 else f"replaying 7-11 April 2025 at {speed:g}x"
    print(f"deskbot demo: open {demo.url} in a browser ({replay}; Ctrl-C stops)", flush=True)
    try:
        while demo.bot.poll() is None:
            time.sleep(0.5)
        print(f"deskbot stopped; see {demo.log_path}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        demo.stop()
