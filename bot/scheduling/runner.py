"""Post one planned post exactly once: claim it in the ledger, run its command, post, mark it sent."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from slack_sdk.errors import SlackApiError

from bot.delivery import AUTH_ERRORS, ChartUploadError, Posted, SlackDelivery, log_auth_failure
from bot.storage.ledger import Claim, PostLedger, State
from charts.specs import ChartRequest
from commands.context import CommandContext
from commands.registry import Registry
from commands.reply import Outcome, Reply
from commands.schedule.plan import PlannedPost, PostKind

logger = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(minutes=10)
# Slack errors that retrying will not fix: the post is given up, and the log says why.
PERMANENT_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"}) | AUTH_ERRORS

Execute = Callable[[str, CommandContext, Registry], tuple[Reply, str | None]]
# The alert posts a check calls for, from what was public at its time: (condition and date, the post).
Alerts = Callable[[datetime], list[tuple[str, Reply]]]


class Fired(StrEnum):
    SENT = "sent"
    ALREADY = "already"  # another instance or an earlier run has finished it
    HELD = "held"  # claimed and not finished: by a live instance, or by one that crashed (look again when stale)
    RECOVERED = "recovered"  # a crash left it claimed; it had reached Slack
    SKIPPED = "skipped"  # too late to be useful
    FAILED = "failed"  # will be retried once
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class RunnerSettings:
    slash_command: str = "/deskbot"
    grace: timedelta = DEFAULT_GRACE
    # While a post is being made, its claim is refreshed this often (real seconds), so a long
    # one (a flash polling for results) is never mistaken for a claim left by a crash.
    heartbeat_seconds: float = 20.0


class PostRunner:
    """Fires planned posts; safe to call twice, from two instances, or after a crash."""

    def __init__(
        self,
        ledger: PostLedger,
        registry: Registry,
        delivery: SlackDelivery,
        execute: Execute,
        settings: RunnerSettings = RunnerSettings(),
        alerts: Alerts | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._alerts = alerts
        self._clock = clock
        self._ledger = ledger
        self._registry = registry
        self._delivery = delivery
        self._execute = execute
        self._settings = settings

    def fire(self, post: PlannedPost, now: datetime) -> Fired:
        late = now - post.due_at
        claim = self._ledger.claim(post.key, post.channel_id, post.due_at, now)
        if claim is Claim.TAKEN:
            record = self._ledger.get(post.key)
            return Fired.HELD if record is not None and record.state is State.CLAIMED else Fired.ALREADY
        if claim is Claim.RECOVER:
            found = self._already_posted(post)
            if found is not None:
                with self._heartbeat(post.key, now):
                    self._complete_recovered(post, found, now)
                self._ledger.finish(post.key, State.SENT, now, message_ts=found, detail="found after a restart")
                return Fired.RECOVERED
        if late > self._settings.grace:
            minutes = int(late.total_seconds() // 60)
            logger.warning("skipped %s: %d min late (grace %s)", post.key, minutes, self._settings.grace)
            self._ledger.finish(post.key, State.SKIPPED, now, detail=f"{minutes} min late; not posted stale")
            return Fired.SKIPPED
        if post.kind is PostKind.ALERTS:
            return self._check_alerts(post, now)
        ctx = CommandContext(
            now=now, slash_command=self._settings.slash_command, channel_id=post.channel_id, scheduled=True
        )
        with self._heartbeat(post.key, now):
            reply, ref = self._execute(post.command, ctx, self._registry)
        if reply.outcome is not Outcome.OK:
            return self._failed(post, now, f"the command failed ({reply.outcome.value}, ref {ref})", permanent=False)
        try:
            posted = self._post(post, reply, now)
        except SlackApiError as error:
            reason = str(error.response.get("error", "unknown_error"))
            return self._failed(post, now, f"Slack said {reason}", permanent=reason in PERMANENT_ERRORS, reason=reason)
        except Exception as error:  # no answer (a timeout, a dropped connection): Slack may have posted it
            found = self._already_posted(post)
            if found is not None:
                logger.warning(
                    "%s: Slack's answer was lost (%s) but the post is in the channel", post.key, type(error).__name__
                )
                with self._heartbeat(post.key, now):
                    self._post_parts(post, reply, found, now)
                self._ledger.finish(post.key, State.SENT, now, message_ts=found, detail="found after a lost answer")
                return Fired.SENT
            return self._failed(post, now, f"{type(error).__name__}", permanent=False)
        # The post is finished only once its parts are: a crash in between leaves a claim that
        # goes stale, and whoever recovers it finds the message and posts the parts still missing.
        with self._heartbeat(post.key, now):
            self._post_parts(post, reply, posted.ts, now)
        self._ledger.finish(post.key, State.SENT, now, message_ts=posted.ts, detail=_shortfall(posted))
        return Fired.SENT

    @contextmanager
    def _heartbeat(self, key: str, started: datetime) -> Iterator[None]:
        done = threading.Event()
        began = time.monotonic()

        def beat() -> None:
            while not done.wait(self._settings.heartbeat_seconds):
                now = self._clock() if self._clock else started + timedelta(seconds=time.monotonic() - began)
                try:
                    self._ledger.touch(key, now)
                except Exception:
                    logger.exception("could not refresh the claim on %s", key)

        thread = threading.Thread(target=beat, name=f"claim-{key}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()

    def _check_alerts(self, post: PlannedPost, now: datetime) -> Fired:
        """Post each condition that fired, once per condition per day and channel."""
        # What was public at the check's time: a late check does not see later data.
        fired = self._alerts(post.due_at) if self._alerts is not None else []
        for condition, reply in fired:
            key = f"alert:{post.channel_id}:{condition}"  # the condition carries its observation's date
            claim = self._ledger.claim(key, post.channel_id, post.due_at, now)
            if claim is Claim.TAKEN:
                continue
            if claim is Claim.RECOVER:  # an earlier check lost Slack's answer or crashed mid-post
                found = self._find_post(post.channel_id, key, post.due_at)
                if found is not None:
                    self._ledger.finish(key, State.SENT, now, message_ts=found, detail="found after a lost answer")
                    continue
            try:
                ts = self._delivery.post(post.channel_id, reply, post_key=key)
            except SlackApiError as error:
                reason = str(error.response.get("error"))
                if reason in AUTH_ERRORS:
                    log_auth_failure(reason, f"posting {key}; gave up on it")
                self._ledger.finish(key, State.GIVEN_UP, now, detail=reason)
                continue
            except Exception as error:  # no answer: Slack may have posted it; the next check looks first
                logger.warning(
                    "alert %s got no answer from Slack (%s); the next check retries", key, type(error).__name__
                )
                self._ledger.release(key, type(error).__name__)
                continue
            self._ledger.finish(key, State.SENT, now, message_ts=ts)
        self._ledger.finish(post.key, State.SENT, now, detail=f"{len(fired)} condition(s) met")
        return Fired.SENT

    def _thread_of(self, post: PlannedPost) -> str | None:
        """The ts of the post's parent when it goes in a thread (the briefing of a flash), else None."""
        if not post.thread_of:
            return None
        parent = self._ledger.get(post.thread_of)
        return parent.message_ts if parent and parent.state is State.SENT else None

    def _post(self, post: PlannedPost, reply: Reply, now: datetime) -> Posted:
        """The message alone: its charts and a flash's channel line are parts with ledger entries of their own."""
        alone = replace(reply, charts=())
        return self._delivery.post_reply(post.channel_id, alone, thread_ts=self._thread_of(post), post_key=post.key)

    def _post_parts(self, post: PlannedPost, reply: Reply, message_ts: str, now: datetime) -> None:
        """Each chart (in the message's thread) and a threaded flash's channel line, once each, crash or not."""
        thread_ts = self._thread_of(post) or message_ts
        for index, chart in enumerate(reply.charts):
            self._post_chart(post, chart, index, thread_ts, now)
        if post.kind is PostKind.FLASH and self._thread_of(post):
            self._post_line(post, reply, now)

    def _post_chart(self, post: PlannedPost, chart: ChartRequest, index: int, thread_ts: str, now: datetime) -> None:
        key = f"{post.key}:chart{index}"
        claim = self._ledger.claim(key, post.channel_id, post.due_at, now)
        if claim is Claim.TAKEN:
            return
        if claim is Claim.RECOVER and self._chart_shared(post.channel_id, thread_ts, chart.filename):
            self._ledger.finish(key, State.SENT, now, message_ts=thread_ts, detail="found after a restart")
            return
        try:
            self._delivery.upload_charts(post.channel_id, (chart,), thread_ts=thread_ts)
        except ChartUploadError as error:
            logger.warning("%s was posted in %s without its chart: %s", post.key, post.channel_id, error.reason)
            self._ledger.finish(key, State.GIVEN_UP, now, detail=f"chart not posted: {error.reason}")
            return
        self._ledger.finish(key, State.SENT, now, message_ts=thread_ts)

    def _chart_shared(self, channel_id: str, thread_ts: str, filename: str) -> bool:
        try:
            return self._delivery.find_file(channel_id, thread_ts, filename)
        except Exception as error:  # cannot tell: sharing it again beats losing it
            logger.warning("could not check the thread %s for %s: %s", thread_ts, filename, type(error).__name__)
            return False

    def _post_line(self, post: PlannedPost, reply: Reply, now: datetime) -> None:
        """The flash's one line in the channel: a ledger entry of its own, so it is posted once, crash or not."""
        key = post.key + ":line"
        claim = self._ledger.claim(key, post.channel_id, post.due_at, now)
        if claim is Claim.TAKEN:
            return
        if claim is Claim.RECOVER and (found := self._find_post(post.channel_id, key, post.due_at)) is not None:
            self._ledger.finish(key, State.SENT, now, message_ts=found, detail="found after a restart")
            return
        headline = reply.text.split("\n", 1)[0]
        try:
            ts = self._delivery.post(post.channel_id, Reply(text=f"{headline} — details in the thread."), post_key=key)
        except Exception as error:  # the flash itself is out; the line is retried by whoever looks next
            logger.warning("the channel line of %s was not posted: %s", post.key, type(error).__name__)
            self._ledger.release(key, type(error).__name__)
            return
        self._ledger.finish(key, State.SENT, now, message_ts=ts)

    def _complete_recovered(self, post: PlannedPost, message_ts: str, now: datetime) -> None:
        """A post found after a crash may lack its charts or (a flash) its channel line: post what is missing, once."""
        ctx = CommandContext(
            now=now, slash_command=self._settings.slash_command, channel_id=post.channel_id, scheduled=True
        )
        reply, _ref = self._execute(post.command, ctx, self._registry)
        if reply.outcome is Outcome.OK:
            self._post_parts(post, reply, message_ts, now)

    def _already_posted(self, post: PlannedPost) -> str | None:
        return self._find_post(post.channel_id, post.key, post.due_at, self._thread_of(post))

    def _find_post(self, channel_id: str, key: str, due_at: datetime, thread_ts: str | None = None) -> str | None:
        """The ts of the post carrying `key` since shortly before it was due (in its thread, if any), or None."""
        oldest = (due_at - timedelta(minutes=5)).timestamp()
        try:
            return self._delivery.find_post(channel_id, key, oldest, thread_ts)
        except SlackApiError as error:
            logger.warning("could not check %s for %s: %s", channel_id, key, error.response.get("error"))
            return None
        except Exception as error:  # no answer: treated as not found, and the next attempt checks again
            logger.warning("could not check %s for %s: %s", channel_id, key, type(error).__name__)
            return None

    def _failed(self, post: PlannedPost, now: datetime, why: str, *, permanent: bool, reason: str = "") -> Fired:
        """Give the post up (a permanent refusal, or the retry failed too) or release it for one retry."""
        record = self._ledger.get(post.key)
        if permanent or (record is not None and record.attempts >= 2):
            if reason in AUTH_ERRORS:
                log_auth_failure(reason, f"posting {post.key}; gave up on it")
            else:
                logger.error("gave up on %s: %s", post.key, why)
            self._ledger.finish(post.key, State.GIVEN_UP, now, detail=why)
            return Fired.GIVEN_UP
        logger.warning("%s failed, will retry once: %s", post.key, why)
        self._ledger.release(post.key, why)
        return Fired.FAILED


def _shortfall(posted: Posted) -> str | None:
    """The ledger's note on a post that went out less than whole, or None."""
    notes = []
    if posted.plain_text:
        notes.append("posted as plain text (Slack refused the blocks)")
    if posted.chart_problem:
        notes.append(f"chart not posted: {posted.chart_problem}")
    return "; ".join(notes) or None
