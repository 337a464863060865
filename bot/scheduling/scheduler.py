"""Run the plan: fire each post when due, once, on whichever instance leads.

The plan is recomputed every minute from subscriptions and the (cached)
auction calendar, so posts appear, move and disappear with them. Each post
is an APScheduler date job at its due time (translated to real time for a
replay clock); a post whose time passed while no instance was running is
fired on the next plan, where the runner records it as skipped if it is
more than the grace late, so nothing silently vanishes.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, real_time_of
from bot.scheduling.leader import LeaderLock
from bot.scheduling.runner import Fired, PostRunner
from bot.storage.health import OUTAGE_ERRORS
from bot.storage.ledger import PostLedger, State
from commands.schedule.model import AuctionCalendar, ScheduledAuction, SubscriptionStore
from commands.schedule.plan import PlannedPost, ScheduleTimes, plan_posts
from market.tz import DESK_TZ

logger = logging.getLogger(__name__)

PLAN_DAYS_BACK = 1
PLAN_DAYS_AHEAD = 8
CALENDAR_TTL = timedelta(minutes=30)
REPLAN_SECONDS = 60
REPLAN_RETRY_SECONDS = 3
LEADER_POLL_SECONDS = 10
# A claim found fresh is looked at again this long after it goes stale.
RECHECK_MARGIN = timedelta(seconds=0.5)
DONE = frozenset({State.SENT, State.SKIPPED, State.GIVEN_UP})


@dataclass
class CachedCalendar:
    """The auction calendar, asked again at most every `CALENDAR_TTL` of the clock's time."""

    calendar: AuctionCalendar | None
    _cached: tuple[datetime, date, date, list[ScheduledAuction]] | None = field(default=None)

    def scheduled(self, start: date, end: date, now: datetime) -> list[ScheduledAuction]:
        if self.calendar is None:
            return []
        cached = self._cached
        if cached and cached[1] == start and cached[2] == end and abs(now - cached[0]) < CALENDAR_TTL:
            return cached[3]
        try:
            auctions = self.calendar.scheduled(start, end, now)
        except Exception:
            logger.exception("auction calendar unavailable; keeping the last one")
            return cached[3] if cached else []
        self._cached = (now, start, end, auctions)
        return auctions


class DeskScheduler:
    """Plans and fires scheduled posts; `run_due(now)` is the whole job, so a test clock can drive it."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
        calendar: AuctionCalendar | None,
        runner: PostRunner,
        ledger: PostLedger,
        times: ScheduleTimes | None = None,
    ) -> None:
        self._subscriptions = subscriptions
        self._calendar = CachedCalendar(calendar)
        self._runner = runner
        self._ledger = ledger
        self._times = times or ScheduleTimes()
        self.last_plan: list[PlannedPost] = []

    def plan(self, now: datetime) -> list[PlannedPost]:
        today = now.astimezone(DESK_TZ).date()
        start, end = today - timedelta(days=PLAN_DAYS_BACK), today + timedelta(days=PLAN_DAYS_AHEAD)
        auctions = self._calendar.scheduled(start - timedelta(days=1), end + timedelta(days=1), now)
        self.last_plan = plan_posts(self._subscriptions.all(), auctions, start, end, self._times)
        return self.last_plan

    def due_between(self, start: datetime, end: datetime) -> list[PlannedPost]:
        """Posts of the last plan falling due in [start, end] (what an outage is holding up)."""
        return [post for post in self.last_plan if start <= post.due_at <= end]

    def pending(self, now: datetime, plan: list[PlannedPost] | None = None) -> list[PlannedPost]:
        """Posts due by `now` that the ledger has not finished."""
        posts = plan if plan is not None else self.plan(now)
        due = [post for post in posts if post.due_at <= now]
        if not due:
            return []
        finished = {
            record.key
            for record in self._ledger.between(due[0].due_at, now + timedelta(seconds=1))
            if record.state in DONE
        }
        return [post for post in due if post.key not in finished]

    def run_due(self, now: datetime) -> list[tuple[PlannedPost, Fired]]:
        """Fire every post due by `now` and not yet finished, oldest first."""
        return [(post, self._runner.fire(post, now)) for post in self.pending(now)]

    def fire_one(self, post: PlannedPost, clock: Clock) -> Fired:
        # No lock: the ledger's claim decides who posts, across threads and instances alike.
        return self._runner.fire(post, clock())

    def stale_at(self, post: PlannedPost) -> datetime | None:
        """When a claim on `post` that is not finished may be taken over (None: nothing to wait for)."""
        return self._ledger.stale_at(post.key)


READY_TIMEOUT_SECONDS = 120
UNLED_WARNING_SECONDS = 60.0


class SchedulerService:
    """The scheduler inside `deskbot serve`: leader election, APScheduler jobs, replanning."""

    def __init__(
        self,
        scheduler: DeskScheduler,
        leader: LeaderLock,
        clock: Clock,
        leader_poll_seconds: float = LEADER_POLL_SECONDS,
        ready: threading.Event | None = None,
    ) -> None:
        # Set when the histories are loaded: an instance that led before would plan on a cold
        # book, and posts falling due while it loads would be skipped as late.
        self._ready = ready
        self._poll = leader_poll_seconds
        self._scheduler = scheduler
        self._leader = leader
        self._clock = clock
        self._aps: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._unled_since: datetime | None = None
        self._next_unled_warning = 0.0
        self._thread = threading.Thread(target=self._lead, name="deskbot-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._stop_jobs()
        self._leader.release()

    def _lead(self) -> None:
        if self._ready is not None and not self._ready.wait(READY_TIMEOUT_SECONDS):
            logger.warning(
                "the histories are still loading after %d s: running the scheduler anyway", READY_TIMEOUT_SECONDS
            )
        while not self._stop.is_set():
            leading = self._leader.hold()
            self._watch_for_no_leader(leading)
            if leading and self._aps is None:
                self._start_jobs()
            elif not leading and self._aps is not None:
                logger.warning("stopping the scheduler: leadership lost")
                self._stop_jobs()
            self._stop.wait(self._poll)

    def _watch_for_no_leader(self, leading: bool) -> None:
        """While the database keeps every instance from leading, say so loudly once a minute, with what is due."""
        if leading or self._leader.last_error is None:  # leading here, or another instance leads
            if leading and self._unled_since is not None:
                logger.warning("the scheduler runs again here after the database outage")
            self._unled_since = None
            return
        now = self._clock()
        if self._unled_since is None:
            self._unled_since, self._next_unled_warning = now, 0.0
        if time.monotonic() < self._next_unled_warning:
            return
        self._next_unled_warning = time.monotonic() + UNLED_WARNING_SECONDS
        due = [post.key for post in self._scheduler.due_between(self._unled_since, now)]
        logger.error(
            "NO SCHEDULER: this instance cannot lead, the database does not answer (%s) since %s; posts due since: %s",
            self._leader.last_error,
            self._unled_since.astimezone(DESK_TZ).strftime("%Y-%m-%d %H:%M ET"),
            ", ".join(due) if due else "none in this instance's last plan",
        )

    def _start_jobs(self) -> None:
        aps = BackgroundScheduler(timezone=DESK_TZ)
        aps.add_job(self._replan, IntervalTrigger(seconds=REPLAN_SECONDS), id="replan", coalesce=True, max_instances=1)
        aps.start()
        self._aps = aps
        self._replan()

    def _stop_jobs(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    def _replan(self) -> None:
        aps = self._aps
        if aps is None:
            return
        try:
            now = self._clock()
            plan = self._scheduler.plan(now)
            for post in self._scheduler.pending(now, plan):
                self._fire(post)  # overdue: fire (or record as skipped) now
            wanted = {post.key: post for post in plan if post.due_at > now}
            for job in aps.get_jobs():
                if job.id.startswith("post|") and job.id.removeprefix("post|") not in wanted:
                    job.remove()
            for key, post in wanted.items():
                aps.add_job(
                    self._fire,
                    DateTrigger(run_date=real_time_of(self._clock, post.due_at)),
                    args=[post],
                    id=f"post|{key}",
                    replace_existing=True,
                    # Late beyond the runner's grace is handled (and recorded) by the runner itself.
                    misfire_grace_time=None,
                    coalesce=True,
                )
        except OUTAGE_ERRORS as error:
            # Leadership can come back a moment before the database answers every query:
            # look again shortly rather than at the next minute's replan.
            logger.warning(
                "replanning waits for the database (%s); trying again in %d s",
                type(error).__name__,
                REPLAN_RETRY_SECONDS,
            )
            aps.add_job(
                self._replan,
                DateTrigger(run_date=datetime.now(DESK_TZ) + timedelta(seconds=REPLAN_RETRY_SECONDS)),
                id="replan-retry",
                replace_existing=True,
            )
        except Exception:
            logger.exception("replanning scheduled posts failed")

    def _fire(self, post: PlannedPost) -> None:
        try:
            fired = self._scheduler.fire_one(post, self._clock)
            if fired is Fired.HELD:
                self._recheck_when_stale(post)
        except OUTAGE_ERRORS as error:
            # The ledger keeps whatever claim was made: the next replan fires it or finds it in Slack.
            logger.warning("scheduled post %s waits for the database (%s)", post.key, type(error).__name__)
        except Exception:
            logger.exception("scheduled post %s failed", post.key)

    def _recheck_when_stale(self, post: PlannedPost) -> None:
        """A claim left by an instance that crashed moments ago is still fresh: take it over when it goes stale.

        Without this, the post would wait for the next replan, up to a minute after it could be recovered.
        """
        aps, stale_at = self._aps, self._scheduler.stale_at(post)
        if aps is None or stale_at is None:
            return
        logger.info("%s is claimed and not finished; looking again at %s", post.key, stale_at.isoformat())
        aps.add_job(
            self._fire,
            DateTrigger(run_date=real_time_of(self._clock, stale_at + RECHECK_MARGIN)),
            args=[post],
            id=f"recheck|{post.key}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )
