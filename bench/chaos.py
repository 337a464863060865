"""Chaos check: two `deskbot serve` instances replay a week while processes die and the database misbehaves.

    python bench/chaos.py [--speed 1200] [--kills 4] [--seed 7] [--days 2025-04-07:2025-04-11] [--json]
    python bench/chaos.py --days 2025-04-09:2025-04-10      # a shorter run (Wednesday and Thursday)

What it does, on 127.0.0.1 (PostgreSQL at `DESKBOT_TEST_POSTGRES_URL`, as the tests):

1. The expected posts: one undisturbed instance replays the same days at the same
   speed and the posts it makes (message keys, charts per key) are what a run
   must produce. The result is cached in a JSON file under the temp directory
   (per replay window, speed and git commit); `--baseline` runs it again.
2. A fresh database, the desk's subscriptions (#auctions: briefings and result
   flashes for the 3y, 10y and 30y; #desk-managers: the daily summary), and two
   instances sharing one replay clock, each reaching PostgreSQL through its own
   fault-injecting `TcpProxy`, both posting to one Slack stand-in with a bot
   token of its own (so the stand-in knows who made each call).
3. Kills: when Slack records a chosen scheduled post (the 30y flash in its
   briefing's thread on 2025-04-10, a chart of the 10y flash on 2025-04-09, then
   posts drawn with `--seed`), the instance that sent it is SIGKILLed before it
   reads Slack's answer, and started again two seconds later with the same clock.
4. Database faults at quiet replay moments (no post due while they last):
   both proxies refuse connections for 10 s; both are partitioned for 24 s
   (open but silent); then the leader's existing connections are abandoned
   half-open, which orphans its advisory lock, for 30 s and until the next
   post is out (or 30 s overdue), when they are reset, as the peers' own
   TCP timeouts would end them at last. During each fault, signed slash
   commands go to both instances: each ack's latency (Slack gives up after
   3 s) and whether the answer reached its response_url are recorded, as
   they are once before the replay starts ("calm"), for comparison.
5. After the replay's end: a table of every post key (times posted, charts
   expected and delivered, which instance posted it, the ledger's word on
   anything missing), the kills made, the ack figures per fault, when posts
   resumed after the half-open fault, and error lines from the instances' logs.

A replay squeezes time but not the bot's own real-time rhythms: it replans every
60 real seconds, and that is when a post whose first try failed is tried again.
At 1200× the bot's ten minutes of grace for a late post would be half a real
second, so the grace is set to `--grace-seconds` of real time (72 s: 24 replay
hours at 1200×, the most the bot accepts), longer than one replan; at higher
speeds a post one replan late may be reported missing. The "late" column shows
how late each post was against the undisturbed run. The faults last real seconds,
as outages do. A full week at 1200× takes about 6 minutes (and
as long again the first time, for the baseline).

Pass (exit status 0): every expected post key was posted exactly once, with as
many charts as the undisturbed run shared for it. Anything else exits 1; the
ack figures are reported, not judged.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.demo.slack_workspace import RESPONSE_URL, Call, SlackStandIn  # noqa: E402
from bot.scheduling.scheduler import REPLAN_SECONDS  # noqa: E402
from bot.storage.database import create_database  # noqa: E402
from bot.storage.ledger import PostLedger  # noqa: E402
from bot.storage.subscriptions import SqlSubscriptionStore  # noqa: E402
from market.tz import DESK_TZ  # noqa: E402
from tests.harness.bot_process import SIGNING_SECRET, BotProcess  # noqa: E402
from tests.harness.scheduling import AUCTIONS, MANAGERS, subscribe_the_desk  # noqa: E402
from tests.harness.signing import send_slash_command  # noqa: E402
from tests.harness.tcp_proxy import TcpProxy  # noqa: E402
from tests.harness.upstream import RecordedUpstream  # noqa: E402

# The PostgreSQL server the tests use (tests/conftest.py), reached as its admin to create and drop databases.
POSTGRES_ADMIN_URL = os.environ.get(
    "DESKBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CHANNELS = (AUCTIONS, MANAGERS)
DAY_STARTS, DAY_ENDS = (6, 0), (19, 0)  # each replayed day runs 06:00 → 19:00 ET (the night between included)
STARTUP_LEAD_SECONDS = 10.0  # the replay clock reads the first moment this long after the instances start
RESTART_AFTER_SECONDS = 2.0
END_SLACK_SECONDS = 20.0  # after the replay's end, for the last posts to land
SLACK_ACK_SECONDS = 3.0  # Slack shows the user an error if the ack takes longer
PROBE_TIMEOUT_SECONDS = 10.0
REFUSE_SECONDS, PARTITION_SECONDS = 10.0, 24.0
HALF_OPEN_SECONDS = 30.0  # abandoned connections stay silent this long at least…
HALF_OPEN_OVERDUE_SECONDS = 30.0  # …and until the next post is out or this overdue
# A command sent while its instance was down (killed moments before): left out of the ack figures.
RESTARTING = "instance restarting"
KILLED = "its instance was killed before answering"  # acked, then SIGKILLed by a kill target
PROBE_TEXTS = ("yields 10y", "help", "auction 10y", "yields 30y")
SCHEDULED_METHODS = frozenset({"chat.postMessage", "files.completeUploadExternal"})
GAINED, LOST = "this instance now runs the scheduler", "leadership lost"
FLASH_30Y = f"flash:{AUCTIONS}:30y:2025-04-10"
FLASH_10Y = f"flash:{AUCTIONS}:10y:2025-04-09"
CACHE = Path(tempfile.gettempdir()) / "deskbot-chaos"


# -- the replay clock ------------------------------------------------------------
@dataclass(frozen=True)
class Replay:
    """The shared replay clock: it reads `start` at real time `epoch` and runs `speed` times faster."""

    start: datetime
    until: datetime
    speed: float
    epoch: float

    def args(self) -> tuple[str, ...]:
        return (
            "--as-of",
            self.start.strftime("%Y-%m-%dT%H:%M"),
            "--speed",
            f"{self.speed:g}",
            "--started-at",
            repr(self.epoch),
            "--until",
            self.until.strftime("%Y-%m-%dT%H:%M"),
        )

    def real(self, moment: datetime) -> float:
        """The real time (epoch seconds) at which the clock reads `moment`."""
        return self.epoch + (moment - self.start).total_seconds() / self.speed

    def moment(self, real: float) -> datetime:
        return self.start + timedelta(seconds=(real - self.epoch) * self.speed)

    def seconds(self, replayed: timedelta) -> float:
        """Real seconds that `replayed` of replay time takes."""
        return replayed.total_seconds() / self.speed


def replay_window(days: str) -> tuple[datetime, datetime]:
    """`FIRST:LAST` (ISO dates) → 06:00 ET on FIRST to 19:00 ET on LAST."""
    first, _, last = days.partition(":")
    start_day, end_day = date.fromisoformat(first), date.fromisoformat(last or first)
    if end_day <= start_day:
        raise SystemExit("--days needs two days or more: FIRST:LAST")
    start = datetime.combine(start_day, datetime.min.time(), DESK_TZ).replace(hour=DAY_STARTS[0], minute=DAY_STARTS[1])
    until = datetime.combine(end_day, datetime.min.time(), DESK_TZ).replace(hour=DAY_ENDS[0], minute=DAY_ENDS[1])
    return start, until


def grace_minutes(speed: float, real_seconds: float) -> float:
    """The bot's grace for a late post, in replay minutes, spanning `real_seconds` (10 minutes at least)."""
    return min(24 * 60.0, max(10.0, speed * real_seconds / 60))


# -- the database ----------------------------------------------------------------
def fresh_database() -> str:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"deskbot_chaos_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def subscribe(url: str) -> None:
    """The schema at head and the desk's subscriptions, before any instance starts."""
    sessions = create_database(url)
    subscribe_the_desk(SqlSubscriptionStore(sessions))
    sessions.kw["bind"].dispose()


def ledger_notes(url: str, replay: Replay) -> dict[str, str]:
    """The ledger's state and detail for every key, read directly (not through a proxy)."""
    sessions = create_database(url)
    try:
        ledger = PostLedger(sessions, "chaos-check")
        records = ledger.between(replay.start - timedelta(days=2), replay.until + timedelta(days=2))
        return {r.key: r.state.value + (f" ({r.detail})" if r.detail else "") for r in records}
    finally:
        sessions.kw["bind"].dispose()


# -- what reached Slack ------------------------------------------------------------
@dataclass(frozen=True)
class Delivered:
    """A scheduled post's message, or one of its charts, as Slack recorded it."""

    key: str
    kind: str  # "message" or "chart"
    real: float  # when Slack recorded it (epoch seconds)

    @property
    def id(self) -> str:
        return self.key if self.kind == "message" else f"{self.key}#chart"


def post_key(message: dict[str, Any]) -> str | None:
    payload = (message.get("metadata") or {}).get("event_payload") or {}
    key = payload.get("key")
    return str(key) if key else None


def chart_owner(slack: SlackStandIn, share: dict[str, Any]) -> str:
    """The post a shared chart belongs to: the latest keyed message in its thread before it."""
    thread, shared_at = share.get("thread_ts"), float(share["ts"])
    owners = [
        (float(message["ts"]), key)
        for message in list(slack.messages.get(str(share["channel"]), []))
        if (key := post_key(message))
        and thread in (message["ts"], message.get("thread_ts"))
        and float(message["ts"]) < shared_at
    ]
    return max(owners)[1] if owners else f"?{share['channel']}:{thread}"


def delivered(slack: SlackStandIn) -> list[Delivered]:
    """Every scheduled message and chart in the desk's channels, in the order Slack recorded them."""
    found = [
        Delivered(key, "message", slack.ts_times.get(message["ts"], 0.0))
        for channel in CHANNELS
        for message in list(slack.messages.get(channel, []))
        if (key := post_key(message))
    ]
    found += [
        Delivered(chart_owner(slack, share), "chart", slack.ts_times.get(share["ts"], 0.0))
        for share in list(slack.file_shares)
        if share.get("channel") in CHANNELS
    ]
    return sorted(found, key=lambda item: item.real)


def bearer(call: Call) -> str:
    auth = call.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else str(call.params.get("token") or "")


def recorded_event(slack: SlackStandIn, call: Call) -> Delivered | None:
    """The scheduled message or chart this successful call just put in a desk channel, if any."""
    if call.method == "chat.postMessage":
        channel = str(call.params.get("channel"))
        messages = slack.messages.get(channel, []) if channel in CHANNELS else []
        metadata = call.params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        key = ((metadata or {}).get("event_payload") or {}).get("key")
        if key and messages and post_key(messages[-1]) == key:
            return Delivered(str(key), "message", slack.ts_times.get(messages[-1]["ts"], time.time()))
        return None
    files = call.params.get("files")
    ids = {entry.get("id") for entry in (json.loads(files) if isinstance(files, str) else files or [])}
    shares = [s for s in list(slack.file_shares) if s["file_id"] in ids and s.get("channel") in CHANNELS]
    return Delivered(chart_owner(slack, shares[-1]), "chart", time.time()) if shares else None


# -- the baseline: what an undisturbed run posts -------------------------------------
def baseline_path(start: datetime, until: datetime, speed: float, grace: float) -> Path:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "nogit"
    return CACHE / f"baseline-{start:%Y%m%dT%H%M}-{until:%Y%m%dT%H%M}-{speed:g}x-grace{grace:g}-{commit}.json"


def run_baseline(start: datetime, until: datetime, speed: float, grace: float, say: Callable[[str], None]) -> dict:
    """One instance, no faults: the posts it makes (and their replay times) are the expected ones."""
    url = fresh_database()
    workdir = Path(tempfile.mkdtemp(prefix="deskbot-chaos-baseline-"))
    try:
        subscribe(url)
        with SlackStandIn() as slack, RecordedUpstream() as upstream:
            replay = Replay(start, until, speed, time.time() + STARTUP_LEAD_SECONDS)
            say(f"baseline: one undisturbed instance, {replay.seconds(until - start):.0f} s of replay")
            env = instance_env(slack.token, slack, upstream, url, grace)
            with BotProcess(env, workdir=workdir, args=replay.args(), startup_timeout=60):
                sleep_until(replay.real(until) + END_SLACK_SECONDS)
            events = delivered(slack)
    finally:
        drop_database(url)
    return {
        "start": start.isoformat(),
        "until": until.isoformat(),
        "speed": speed,
        "events": [{"key": e.key, "kind": e.kind, "at": replay.moment(e.real).isoformat()} for e in events],
        "log": str(workdir / "deskbot.log"),
    }


def load_baseline(args: argparse.Namespace, start: datetime, until: datetime, say: Callable[[str], None]) -> dict:
    grace = grace_minutes(args.speed, args.grace_seconds)
    path = baseline_path(start, until, args.speed, grace)
    if path.exists() and not args.baseline:
        say(f"expected posts from {path}")
        return dict(json.loads(path.read_text()))
    baseline = run_baseline(start, until, args.speed, grace, say)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, indent=1))
    say(f"baseline: {len(baseline['events'])} messages and charts, saved to {path}")
    return baseline


# -- the two instances ----------------------------------------------------------------
def instance_env(token: str, slack: SlackStandIn, upstream: RecordedUpstream, url: str, grace: float) -> dict:
    return {
        "SLACK_BOT_TOKEN": token,
        "SLACK_API_URL": slack.api_url,
        "DESKBOT_DATABASE_URL": url,
        "DESKBOT_STALE_CLAIM_SECONDS": "2",
        "DESKBOT_LEADER_POLL_SECONDS": "1",
        "DESKBOT_POST_GRACE_MINUTES": f"{grace:g}",
        "DESKBOT_LOG_LEVEL": "INFO",
        **upstream.env(),
    }


@dataclass
class Slot:
    """One of the two instances: its token and database path stay, its process is replaced when killed."""

    name: str
    token: str
    proxy: TcpProxy
    process: BotProcess | None = None
    generation: int = 0
    restart_at: float | None = None
    healthy: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}{self.generation}"

    def alive(self) -> bool:
        return self.process is not None and self.process._process is not None and self.process._process.poll() is None


class Fleet:
    """Starts the instances, kills one on demand, and starts whichever is down again after a short pause."""

    def __init__(self, slots: list[Slot], env: Callable[[Slot], dict[str, str]], replay: Replay, workdir: Path) -> None:
        self.slots = slots
        self.logs: list[tuple[str, Path]] = []
        self.crashes: list[str] = []
        self.killed: dict[str, float] = {}  # process label → when it was SIGKILLed (monotonic)
        self.fault: str | None = None  # the database fault in progress: no kills meanwhile, so each is seen alone
        self._env = env
        self._replay = replay
        self._workdir = workdir
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="chaos-supervisor", daemon=True)

    def start(self) -> None:
        for slot in self.slots:
            self._launch(slot)
        self._thread.start()

    def slot_for(self, token: str) -> Slot | None:
        return next((slot for slot in self.slots if slot.token == token), None)

    def others_up(self, slot: Slot) -> bool:
        return all(other.alive() and other.healthy for other in self.slots if other is not slot)

    def kill(self, slot: Slot) -> None:
        """SIGKILL the slot's process now; it is started again `RESTART_AFTER_SECONDS` later."""
        with self._lock:
            if slot.alive():
                assert slot.process is not None
                slot.process.kill()
                self.killed[slot.label] = time.monotonic()
            slot.healthy = False
            slot.restart_at = time.monotonic() + RESTART_AFTER_SECONDS

    def leader(self) -> Slot | None:
        """The running instance whose log last says it took the scheduler (and has not said it lost it since)."""
        leading = []
        for slot in self.slots:
            if not slot.alive():
                continue
            assert slot.process is not None
            lines = [line for line in slot.process.log().splitlines() if GAINED in line or LOST in line]
            if lines and GAINED in lines[-1]:
                leading.append((lines[-1][:23], slot))
        return max(leading, key=lambda item: item[0])[1] if leading else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            for slot in self.slots:
                if slot.process is not None:
                    slot.process.stop()

    def _launch(self, slot: Slot) -> None:
        slot.generation += 1
        workdir = self._workdir / slot.label
        workdir.mkdir(parents=True, exist_ok=True)
        slot.process = BotProcess(self._env(slot), workdir=workdir, args=self._replay.args(), wait_for_http=False)
        slot.process.__enter__()
        slot.restart_at, slot.healthy = None, False
        self.logs.append((slot.label, slot.process.log_path))

    def _supervise(self) -> None:
        while not self._stop.wait(0.25):
            for slot in self.slots:
                with self._lock:
                    if self._stop.is_set():
                        return
                    if not slot.alive() and slot.restart_at is None:  # it died without being killed
                        self.crashes.append(slot.label)
                        slot.restart_at = time.monotonic() + RESTART_AFTER_SECONDS
                    if slot.restart_at is not None and time.monotonic() >= slot.restart_at:
                        self._launch(slot)
                if slot.alive() and not slot.healthy:
                    slot.healthy = _answers_health(slot)


def _answers_health(slot: Slot) -> bool:
    assert slot.process is not None
    try:
        return httpx.get(f"{slot.process.base_url}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


# -- kills at the moment Slack records a post --------------------------------------------
@dataclass
class Kill:
    target: str
    event: str
    instance: str
    replay_at: str


@dataclass
class Target:
    label: str
    event: str  # a Delivered.id
    done: bool = False


class PostWatch:
    """The stand-in's `on_record` hook: notes who posted what, and kills the poster of each target."""

    def __init__(self, slack: SlackStandIn, fleet: Fleet, replay: Replay, targets: list[Target]) -> None:
        self.posters: dict[str, list[str]] = defaultdict(list)
        self.kills: list[Kill] = []
        self.spared: list[str] = []  # targets reached while the other instance was down
        self._slack, self._fleet, self._replay, self._targets = slack, fleet, replay, targets
        self._lock = threading.Lock()

    def __call__(self, call: Call) -> None:
        if call.method not in SCHEDULED_METHODS or call.status != 200:
            return
        event = recorded_event(self._slack, call)
        slot = self._fleet.slot_for(bearer(call))
        if event is None or slot is None:
            return
        with self._lock:
            self.posters[event.id].append(slot.label)
            target = next((t for t in self._targets if not t.done and t.event == event.id), None)
            if target is None:
                return
            target.done = True
            if not self._fleet.others_up(slot):
                self.spared.append(f"{target.label}: {slot.label} spared, the other instance was down")
                return
            if self._fleet.fault is not None:
                self.spared.append(f"{target.label}: {slot.label} spared, the {self._fleet.fault} fault was on")
                return
            moment = replay_now(self._replay)
            self.kills.append(Kill(target.label, event.id, slot.label, moment))
            self._fleet.kill(slot)  # before this call is answered: the instance never reads Slack's answer


def kill_targets(
    baseline: dict, replay: Replay, count: int, seed: int, quiet: list[tuple[datetime, datetime]]
) -> list[Target]:
    """The 30y flash in its thread and a 10y flash chart first, then posts drawn at random, spaced apart."""
    events = [(datetime.fromisoformat(e["at"]), Delivered(e["key"], e["kind"], 0.0).id) for e in baseline["events"]]
    named = [("30y flash in its briefing's thread", FLASH_30Y), ("a chart of the 10y flash", f"{FLASH_10Y}#chart")]
    targets = [Target(label, event) for label, event in named if any(event == e for _, e in events)][:count]
    spacing = timedelta(seconds=15 * replay.speed)  # a restarted instance is up again well before the next kill
    taken = [at for at, event in events if any(event == t.event for t in targets)]
    pool = [
        (at, event)
        for at, event in events
        if not event.startswith("?")
        and at > replay.start + timedelta(hours=1)  # not the catch-up posts made while the instances start
        and not any(start <= at <= end for start, end in quiet)
    ]
    random.Random(seed).shuffle(pool)
    for at, event in pool:
        if len(targets) >= count:
            break
        if any(t.event == event for t in targets) or any(abs(at - other) < spacing for other in taken):
            continue
        targets.append(Target(f"drawn: {event}", event))
        taken.append(at)
    return targets


# -- slash commands during a fault -------------------------------------------------------
@dataclass
class Probe:
    phase: str
    instance: str
    text: str
    response_key: str
    sent: float = 0.0  # monotonic
    ack_ms: float | None = None
    status: int | None = None
    error: str | None = None
    answer_ms: float | None = None


class Prober:
    """Sends `per_instance` signed commands to each instance, spread over `seconds`, each on its own thread."""

    def __init__(self, phase: str, fleet: Fleet, slack: SlackStandIn, seconds: float, per_instance: int) -> None:
        self.probes: list[Probe] = []
        self._phase, self._fleet, self._slack = phase, fleet, slack
        self._seconds, self._count = seconds, per_instance
        self._threads: list[threading.Thread] = []
        self._runner = threading.Thread(target=self._run, name=f"probe-{phase}", daemon=True)
        self._runner.start()

    def join(self) -> list[Probe]:
        self._runner.join()
        for thread in self._threads:
            thread.join()
        return self.probes

    def _run(self) -> None:
        gap = self._seconds / self._count
        for index in range(self._count):
            for slot in self._fleet.slots:
                probe = Probe(
                    self._phase,
                    slot.label,
                    PROBE_TEXTS[index % len(PROBE_TEXTS)],
                    f"chaos-{self._phase}-{slot.name}-{index}",
                )
                self.probes.append(probe)
                thread = threading.Thread(target=self._send, args=(probe, slot), daemon=True)
                thread.start()
                self._threads.append(thread)
            time.sleep(gap)

    def _send(self, probe: Probe, slot: Slot) -> None:
        process = slot.process
        probe.sent = time.monotonic()
        if process is None or not (slot.alive() and slot.healthy):
            probe.error = RESTARTING
            return
        probe.instance = slot.label
        try:
            response = send_slash_command(
                process.events_url, SIGNING_SECRET, probe.text, self._slack.response_url(probe.response_key)
            )
        except httpx.TimeoutException:
            probe.error = f"no ack in {PROBE_TIMEOUT_SECONDS:g} s"
            return
        except httpx.ConnectError:  # not listening: killed or starting up a moment ago
            probe.error = RESTARTING
            return
        except httpx.HTTPError as error:
            probe.error = type(error).__name__
            return
        probe.ack_ms = (time.monotonic() - probe.sent) * 1000
        probe.status = response.status_code


def note_answers(slack: SlackStandIn, probes: list[Probe], killed: dict[str, float]) -> None:
    """How long after its command each answer reached the response_url (None: it never did).

    A command left unanswered by an instance SIGKILLed after it arrived is marked as such: the kill
    explains it, not the fault.
    """
    for probe in probes:
        answers = slack.calls_to(RESPONSE_URL, key=probe.response_key)
        if answers and probe.sent:
            probe.answer_ms = (answers[0].at - probe.sent) * 1000
        elif probe.error != RESTARTING and killed.get(probe.instance, 0.0) > probe.sent:
            probe.error = KILLED


# -- database faults -----------------------------------------------------------------------
@dataclass
class FaultReport:
    name: str
    replay_at: str
    seconds: float
    instances: str
    probes: list[Probe] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fault_moments(start: datetime, until: datetime) -> dict[str, datetime]:
    """Quiet moments (no post due for hours): evenings after the daily summary, an afternoon after the flash.

    A full week: refuse on Tuesday 19:00, partition on Wednesday 19:00, half-open on Thursday 14:00.
    Two or three days: refuse and partition on the first evening (19:00, 23:00), half-open on the last day at 14:00.
    """
    days = [start.date() + timedelta(days=n) for n in range((until.date() - start.date()).days + 1)]

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, datetime.min.time(), DESK_TZ).replace(hour=hour)

    if len(days) >= 4:
        return {"refuse": at(days[1], 19), "partition": at(days[2], 19), "half-open": at(days[-2], 14)}
    return {"refuse": at(days[0], 19), "partition": at(days[0], 23), "half-open": at(days[-1], 14)}


def refuse_fault(fleet: Fleet, slack: SlackStandIn, replay: Replay, moment: datetime) -> FaultReport:
    """Both proxies refuse connections (and drop open ones) for `REFUSE_SECONDS`: the database is down."""
    return both_proxies_fault("refuse", fleet, slack, replay, moment, REFUSE_SECONDS, 6)


def partition_fault(fleet: Fleet, slack: SlackStandIn, replay: Replay, moment: datetime) -> FaultReport:
    """Both proxies go silent for `PARTITION_SECONDS` while 16 commands go to each instance."""
    return both_proxies_fault("partition", fleet, slack, replay, moment, PARTITION_SECONDS, 16)


def both_proxies_fault(
    mode: str, fleet: Fleet, slack: SlackStandIn, replay: Replay, moment: datetime, seconds: float, commands: int
) -> FaultReport:
    """At `moment`, switch both proxies to `mode` ("refuse" or "partition") for `seconds`, probing with commands."""
    sleep_until(replay.real(moment))
    report = FaultReport(mode, replay_now(replay), seconds, "both")
    fleet.fault = mode
    for slot in fleet.slots:
        getattr(slot.proxy, mode)()
    prober = Prober(mode, fleet, slack, seconds, commands)
    time.sleep(seconds)
    for slot in fleet.slots:
        slot.proxy.pass_through()
    report.probes = prober.join()
    fleet.fault = None
    return report


def half_open_fault(fleet: Fleet, slack: SlackStandIn, replay: Replay, moment: datetime, baseline: dict) -> FaultReport:
    """The leader's open connections are abandoned half-open: when do scheduled posts come back?

    The abandoned connections stay silent for `HALF_OPEN_SECONDS` at least, and until the next
    post is out or `HALF_OPEN_OVERDUE_SECONDS` overdue; then they are reset, as the peers' own
    TCP timeouts would end them at last (minutes later, on a real network).
    """
    sleep_until(replay.real(moment))
    leader = fleet.leader()
    report = FaultReport("half-open", replay_now(replay), 0.0, leader.label if leader else "none")
    if leader is None:
        report.notes.append("no instance was leading: nothing to abandon")
        return report
    began, label = time.time(), leader.label
    fleet.fault = "half-open"
    leader.proxy.half_open()
    abandoned = leader.proxy.abandoned
    prober = Prober("half-open", fleet, slack, 12.0, 8)
    following = [e for e in baseline["events"] if datetime.fromisoformat(e["at"]) > replay.moment(began)]
    due = replay.real(datetime.fromisoformat(following[0]["at"])) if following else began

    def posted_after() -> list[Delivered]:
        return [event for event in delivered(slack) if event.real > began]

    def may_reset() -> bool:
        overdue = time.time() > due + HALF_OPEN_OVERDUE_SECONDS
        return time.time() >= began + HALF_OPEN_SECONDS and (overdue or bool(posted_after()))

    while not may_reset():
        time.sleep(0.5)
    leader.proxy.reset_abandoned()
    report.seconds = time.time() - began
    report.notes.append(f"{abandoned} connections of {label} abandoned, reset at +{report.seconds:.0f} s")
    report.probes = prober.join()
    fleet.fault = None
    while not posted_after() and time.time() < due + 3 * HALF_OPEN_OVERDUE_SECONDS:
        time.sleep(0.5)
    report.notes.append(first_post_note(posted_after(), following, due - began, began, report.seconds))
    leading = fleet.leader()
    report.notes.append(f"leading afterwards: {leading.label if leading else 'no instance'}")
    return report


def first_post_note(after: list[Delivered], following: list[dict], due: float, began: float, reset: float) -> str:
    """When scheduled posts came back after a fault began (seconds after it), against when the next was due."""
    if not following:
        return "no post was due after the fault"
    expected = f"next due: {following[0]['key']} at +{due:.1f} s"
    if not after:
        return f"no post at all within +{time.time() - began:.0f} s ({expected})"
    landed = after[0].real - began
    when = "before" if landed < reset else "only after"
    return f"first post after the fault: {after[0].id} at +{landed:.1f} s, {when} the reset ({expected})"


def replay_now(replay: Replay) -> str:
    return replay.moment(time.time()).strftime("%a %H:%M")


def sleep_until(real: float) -> None:
    time.sleep(max(0.0, real - time.time()))


# -- the run ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    rows: list[dict[str, Any]]
    kills: list[Kill]
    spared: list[str]
    faults: list[FaultReport]
    log_findings: list[str]
    crashes: list[str]
    workdir: str
    passed: bool


def run_chaos(args: argparse.Namespace, baseline: dict, say: Callable[[str], None]) -> Outcome:
    start, until = datetime.fromisoformat(baseline["start"]), datetime.fromisoformat(baseline["until"])
    grace = grace_minutes(args.speed, args.grace_seconds)
    url = fresh_database()
    workdir = Path(tempfile.mkdtemp(prefix="deskbot-chaos-"))
    target = make_url(url)
    tokens = {"a": "xoxb-chaos-instance-a", "b": "xoxb-chaos-instance-b"}
    try:
        subscribe(url)
        with (
            SlackStandIn(extra_tokens=frozenset(tokens.values())) as slack,
            RecordedUpstream() as upstream,
            TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy_a,
            TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy_b,
        ):
            replay = Replay(start, until, args.speed, time.time() + STARTUP_LEAD_SECONDS)
            slots = [Slot("a", tokens["a"], proxy_a), Slot("b", tokens["b"], proxy_b)]
            fleet = Fleet(
                slots, lambda s: instance_env(s.token, slack, upstream, s.proxy.url_for(url), grace), replay, workdir
            )
            moments = fault_moments(start, until)
            quiet = [(at, at + timedelta(hours=12)) for at in moments.values()]
            targets = kill_targets(baseline, replay, args.kills, args.seed, quiet)
            watch = PostWatch(slack, fleet, replay, targets)
            slack.on_record = watch
            say(f"two instances, replay {start:%a %m-%d %H:%M} → {until:%a %m-%d %H:%M} ET at {args.speed:g}×")
            say("kill targets: " + ", ".join(t.event for t in targets))
            fleet.start()
            faults = run_faults(fleet, slack, replay, moments, baseline, say)
            sleep_until(replay.real(until) + END_SLACK_SECONDS)
            fleet.stop()
            slack.on_record = None
            for fault in faults:
                note_answers(slack, fault.probes, fleet.killed)
            events = delivered(slack)
            notes = ledger_notes(url, replay)
            rows = tally(baseline, events, watch.posters, notes, replay)
            findings = log_findings(fleet.logs)
            passed = all(row["ok"] for row in rows if row["expected"])
            return Outcome(rows, watch.kills, watch.spared, faults, findings, fleet.crashes, str(workdir), passed)
    finally:
        drop_database(url)


def run_faults(
    fleet: Fleet,
    slack: SlackStandIn,
    replay: Replay,
    moments: dict[str, datetime],
    baseline: dict,
    say: Callable[[str], None],
) -> list[FaultReport]:
    """A calm round of commands for comparison, then each database fault at its moment."""
    wait_for_both(fleet)
    calm = FaultReport("calm", replay_now(replay), 8.0, "both")
    calm.probes = Prober("calm", fleet, slack, 8.0, 8).join()
    reports = [calm]
    for name, fault in (("refuse", refuse_fault), ("partition", partition_fault)):
        sleep_until(replay.real(moments[name]))
        wait_for_both(fleet)
        say(f"{name}: at {replay_now(replay)} ET")
        reports.append(fault(fleet, slack, replay, moments[name]))
    sleep_until(replay.real(moments["half-open"]))
    wait_for_both(fleet)
    say(f"half-open: at {replay_now(replay)} ET")
    reports.append(half_open_fault(fleet, slack, replay, moments["half-open"], baseline))
    return reports


def wait_for_both(fleet: Fleet, timeout: float = 60.0) -> None:
    """A fault starts once every instance is up (one killed a moment ago is given time to start again)."""
    deadline = time.monotonic() + timeout
    while not all(slot.alive() and slot.healthy for slot in fleet.slots) and time.monotonic() < deadline:
        time.sleep(0.25)


# -- the report -----------------------------------------------------------------------------------
def tally(
    baseline: dict, events: list[Delivered], posters: dict[str, list[str]], notes: dict[str, str], replay: Replay
) -> list[dict[str, Any]]:
    """One row per post key: expected or not, times posted, charts expected and delivered, how late."""
    expected = Counter(Delivered(e["key"], e["kind"], 0.0).id for e in baseline["events"])
    got = Counter(event.id for event in events)
    undisturbed = {e["key"]: datetime.fromisoformat(e["at"]) for e in baseline["events"] if e["kind"] == "message"}
    landed: dict[str, datetime] = {}
    for event in events:
        if event.kind == "message":
            landed.setdefault(event.key, replay.moment(event.real))
    keys = sorted({e["key"] for e in baseline["events"]} | {e.key for e in events}, key=_key_order)
    rows = []
    for key in keys:
        posted, charts, charts_expected = got[key], got[f"{key}#chart"], expected[f"{key}#chart"]
        is_expected = expected[key] > 0
        ok = posted == 1 and charts == charts_expected
        problem = []
        if posted == 0:
            problem.append("MISSING")
        elif posted > 1:
            problem.append(f"DUPLICATE ×{posted}")
        if charts != charts_expected:
            problem.append(f"charts {charts}/{charts_expected}")
        if not is_expected:
            problem.append("not in the undisturbed run")
        note = ledger_context(key, notes)
        rows.append(
            {
                "key": key,
                "expected": is_expected,
                "posted": posted,
                "charts_expected": charts_expected,
                "charts": charts,
                "posted_by": " ".join(posters.get(key, [])),
                "late_minutes": late_minutes(landed.get(key), undisturbed.get(key)),
                "ok": ok,
                "problem": ", ".join(problem),
                "ledger": note if (problem or not ok) else "",
            }
        )
    return rows


def late_minutes(landed: datetime | None, undisturbed: datetime | None) -> int | None:
    """Replay minutes between when a post first landed and when the undisturbed run posted it."""
    if landed is None or undisturbed is None:
        return None
    return round((landed - undisturbed).total_seconds() / 60)


def ledger_context(key: str, notes: dict[str, str]) -> str:
    """The ledger's entries for a post and its parts (charts, a flash's channel line): what each got to."""
    base = key.removesuffix(":line")
    related = [k for k in notes if k == key or k == base or k.startswith(base + ":")]
    if not related:
        return "no ledger entry"
    return "; ".join(f"{k.removeprefix(base) or 'post'}: {notes[k]}" for k in sorted(related))


def _key_order(key: str) -> tuple[str, str]:
    day = re.search(r"\d{4}-\d{2}-\d{2}", key)
    return (day.group(0) if day else "", key)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile, as bench/common.py computes it."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def ack_summary(sent: list[Probe]) -> dict[str, Any]:
    probes = [p for p in sent if p.error != RESTARTING]
    acked = [p.ack_ms for p in probes if p.ack_ms is not None]
    return {
        "commands": len(probes),
        "to_restarting_instance": len(sent) - len(probes),
        "p50_ms": round(percentile(acked, 0.5)) if acked else None,
        "p99_ms": round(percentile(acked, 0.99)) if acked else None,
        "max_ms": round(max(acked)) if acked else None,
        "over_3s": sum(1 for ms in acked if ms > SLACK_ACK_SECONDS * 1000),
        "unanswered": sum(1 for p in probes if p.ack_ms is None),
        "not_200": sum(1 for p in probes if p.status not in (None, 200)),
        "answered_at_response_url": sum(1 for p in probes if p.answer_ms is not None),
        "answerable": sum(1 for p in probes if p.error != KILLED),
        "answer_p50_ms": round(percentile([p.answer_ms for p in probes if p.answer_ms is not None], 0.5))
        if any(p.answer_ms is not None for p in probes)
        else None,
        "errors": dict(Counter(p.error for p in sent if p.error)),
    }


ERROR_LINE = re.compile(r"^\S+ \S+ (ERROR|CRITICAL|WARNING) (.*)$")


def log_findings(logs: list[tuple[str, Path]]) -> list[str]:
    """Distinct error and warning lines (and tracebacks) across every instance's log, most frequent first."""
    seen: Counter[str] = Counter()
    where: dict[str, set[str]] = defaultdict(set)
    for label, path in logs:
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        for index, line in enumerate(lines):
            found = ERROR_LINE.match(line)
            if found:
                message = re.sub(r"\d{5,}|\d+\.\d+", "N", f"{found.group(1)} {found.group(2)}")[:160]
            elif line.startswith("Traceback"):
                last = next((later for later in lines[index + 1 :] if not later.startswith((" ", "Traceback"))), "")
                message = f"Traceback … {last[:140]}"
            else:
                continue
            seen[message] += 1
            where[message].add(label)
    return [f"{count:4}× [{' '.join(sorted(where[m]))}] {m}" for m, count in seen.most_common(25)]


def print_report(outcome: Outcome) -> None:
    print("\nPOSTS (expected = what one undisturbed instance posted)")
    print("(late: replay minutes after the undisturbed run posted it; at 1200× a real second is 20 of them)")
    print(f"{'key':<44} {'posted':>6} {'charts':>7} {'late':>6}  {'posted by':<14} problem")
    for row in outcome.rows:
        charts = f"{row['charts']}/{row['charts_expected']}"
        late = "-" if row["late_minutes"] is None else f"{row['late_minutes']:+d}m"
        line = f"{row['key']:<44} {row['posted']:>6} {charts:>7} {late:>6}  {row['posted_by']:<14} {row['problem']}"
        print(line + (f"  [ledger: {row['ledger']}]" if row["ledger"] else ""))
    expected = [row for row in outcome.rows if row["expected"]]
    print(
        f"\n{len(expected)} expected keys: {sum(r['posted'] == 1 for r in expected)} posted once, "
        f"{sum(r['posted'] > 1 for r in expected)} duplicated, {sum(r['posted'] == 0 for r in expected)} missing; "
        f"charts {sum(r['charts'] for r in expected)}/{sum(r['charts_expected'] for r in expected)} delivered"
    )
    print(f"\nKILLS ({len(outcome.kills)})")
    for kill in outcome.kills:
        print(f"  {kill.replay_at}  SIGKILL {kill.instance} as Slack recorded {kill.event} ({kill.target})")
    for spared in outcome.spared:
        print(f"  not killed: {spared}")
    if outcome.crashes:
        print(f"  exited on their own (restarted): {', '.join(outcome.crashes)}")
    print("\nSLASH COMMANDS PER FAULT (ack: Slack gives up after 3 s)")
    print(
        f"{'fault':<10} {'at':<10} {'s':>4} {'cmds':>5} {'p50':>6} {'p99':>6} {'max':>6} {'>3s':>4} {'no ack':>6} "
        f"{'answered':>8}  errors"
    )
    for fault in outcome.faults:
        s = ack_summary(fault.probes)
        print(
            f"{fault.name:<10} {fault.replay_at:<10} {fault.seconds:>4.0f} {s['commands']:>5} {_ms(s['p50_ms']):>6} "
            f"{_ms(s['p99_ms']):>6} {_ms(s['max_ms']):>6} {s['over_3s']:>4} {s['unanswered']:>6} "
            f"{s['answered_at_response_url']:>4}/{s['answerable']:<3}  {s['errors'] or ''}"
        )
        for note in fault.notes:
            print(f"{'':<10} {note}")
        for probe in troubled(fault.probes):
            print(f"{'':<10} {describe(probe)}")
    print("\nINSTANCE LOGS: warnings, errors and tracebacks")
    for finding in outcome.log_findings:
        print(f"  {finding}")
    print(f"\nlogs under {outcome.workdir}")
    print("PASS" if outcome.passed else "FAIL: not every expected post went out exactly once with its charts")


def troubled(probes: list[Probe]) -> list[Probe]:
    """Commands acked late or not at all, or whose answer never reached the response_url."""
    return [
        p
        for p in probes
        if p.error not in (RESTARTING, KILLED)
        and (p.ack_ms is None or p.ack_ms > SLACK_ACK_SECONDS * 1000 or p.status != 200 or p.answer_ms is None)
    ]


def describe(probe: Probe) -> str:
    ack = f"acked {probe.status} in {probe.ack_ms:.0f} ms" if probe.ack_ms is not None else f"not acked ({probe.error})"
    answer = f"answered after {probe.answer_ms:.0f} ms" if probe.answer_ms is not None else "never answered"
    return f"{probe.instance} `/deskbot {probe.text}` ({probe.response_key}): {ack}, {answer}"


def _ms(value: int | None) -> str:
    return "-" if value is None else str(value)


def as_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "passed": outcome.passed,
        "posts": outcome.rows,
        "kills": [asdict(kill) for kill in outcome.kills],
        "spared": outcome.spared,
        "crashes": outcome.crashes,
        "faults": [
            {
                "name": fault.name,
                "replay_at": fault.replay_at,
                "seconds": round(fault.seconds, 1),
                "instances": fault.instances,
                "acks": ack_summary(fault.probes),
                "troubled_commands": [describe(probe) for probe in troubled(fault.probes)],
                "notes": fault.notes,
            }
            for fault in outcome.faults
        ],
        "log_findings": outcome.log_findings,
        "logs": outcome.workdir,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=1200.0, help="replay speed (default 1200×)")
    parser.add_argument("--days", default="2025-04-07:2025-04-11", help="FIRST:LAST replayed days (ISO dates)")
    parser.add_argument("--kills", type=int, default=4, help="instances killed as Slack records a post")
    parser.add_argument("--seed", type=int, default=7, help="draws the kills beyond the two named ones")
    parser.add_argument("--grace-seconds", type=float, default=72.0, help="the bot's grace for late posts, real s")
    parser.add_argument("--baseline", action="store_true", help="run the undisturbed baseline again")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr if args.json else sys.stdout, flush=True)

    started = time.monotonic()
    start, until = replay_window(args.days)
    real_grace = grace_minutes(args.speed, args.grace_seconds) * 60 / args.speed
    if real_grace < REPLAN_SECONDS + 5:
        say(
            f"note: at {args.speed:g}× the grace spans {real_grace:.0f} real s, less than the bot's {REPLAN_SECONDS} s "
            "between replans: a post whose first try fails may be skipped here though it would be a minute late live"
        )
    baseline = load_baseline(args, start, until, say)
    outcome = run_chaos(args, baseline, say)
    if args.json:
        print(json.dumps(as_json(outcome), indent=1))
    else:
        print_report(outcome)
    say(f"wall time {time.monotonic() - started:.0f} s")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
