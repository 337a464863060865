"""What is due where and when: scheduled posts derived from subscriptions and the calendars.

Pure: the same subscriptions, auctions and dates always give the same posts
with the same keys, so a restart, a replan or a second instance agree on
what "this post" is, and the ledger can make each happen once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from commands.schedule.model import Feed, ScheduledAuction, Subscription
from market.calendar import is_business_day, previous_business_day
from market.tz import DESK_TZ


class PostKind(StrEnum):
    PREVIEW = "preview"
    BRIEFING = "briefing"
    FLASH = "flash"
    DAILY = "daily"
    WEEKLY = "weekly"
    ALERTS = "alerts"  # a check: each condition that fired becomes its own post


@dataclass(frozen=True)
class ScheduleTimes:
    """When the fixed posts go out, New York time."""

    preview_at: time = time(16, 0)  # the business day before the auction, after the cash close
    daily_at: time = time(18, 0)  # after Treasury publishes the par curve
    weekly_at: time = time(18, 30)  # after the week's last close
    # Alert checks on business days: after the coupon auctions print, and after the curve is published.
    alert_checks: tuple[time, ...] = (time(13, 15), time(18, 20))


@dataclass(frozen=True)
class PlannedPost:
    """One post: a stable key, where and when, and the command whose reply is posted."""

    key: str
    kind: PostKind
    channel_id: str
    due_at: datetime
    command: str
    thread_of: str | None = None  # key of the post whose thread this reply goes into
    label: str = ""


def plan_posts(
    subscriptions: Iterable[Subscription],
    auctions: Iterable[ScheduledAuction],
    start: date,
    end: date,
    times: ScheduleTimes = ScheduleTimes(),
) -> list[PlannedPost]:
    """Every post due from `start` to `end` (inclusive, by due date), in due order."""
    subscriptions = list(subscriptions)
    auctions = list(auctions)
    posts: list[PlannedPost] = []
    briefing_channels = {s.channel_id: s for s in subscriptions if s.feed is Feed.BRIEFINGS}
    for subscription in subscriptions:
        if subscription.feed is Feed.BRIEFINGS:
            posts.extend(_auction_posts(subscription, auctions, times))
        elif subscription.feed is Feed.FLASH:
            posts.extend(_flash_posts(subscription, auctions, briefing_channels.get(subscription.channel_id)))
        elif subscription.feed is Feed.DAILY:
            posts.extend(_daily_posts(subscription, start, end, times))
        elif subscription.feed is Feed.WEEKLY:
            posts.extend(_weekly_posts(subscription, start, end, times))
        elif subscription.feed is Feed.ALERTS:
            posts.extend(_alert_checks(subscription, start, end, times))
    kept = [post for post in posts if start <= post.due_at.astimezone(DESK_TZ).date() <= end]
    return sorted(kept, key=lambda post: (post.due_at, post.key))


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=DESK_TZ)


def _wanted(subscription: Subscription, auction: ScheduledAuction) -> bool:
    return auction.tenor in subscription.tenors


def briefing_key(channel_id: str, auction: ScheduledAuction) -> str:
    return f"briefing:{channel_id}:{auction.tenor}:{auction.auction_date.isoformat()}"


def _auction_posts(
    subscription: Subscription, auctions: list[ScheduledAuction], times: ScheduleTimes
) -> list[PlannedPost]:
    posts = []
    for auction in auctions:
        if not _wanted(subscription, auction):
            continue
        day = auction.auction_date.isoformat()
        channel = subscription.channel_id
        posts.append(
            PlannedPost(
                key=f"preview:{channel}:{auction.tenor}:{day}",
                kind=PostKind.PREVIEW,
                channel_id=channel,
                due_at=_at(previous_business_day(auction.auction_date), times.preview_at),
                command=f"preview {auction.tenor} {day}",
                label=f"T-1 preview: {auction.security} auction of {day}",
            )
        )
        posts.append(
            PlannedPost(
                key=briefing_key(channel, auction),
                kind=PostKind.BRIEFING,
                channel_id=channel,
                due_at=auction.closes_at - timedelta(minutes=subscription.lead_minutes),
                command=f"briefing {auction.tenor} {day}",
                label=f"Pre-auction briefing: {auction.security}, closes {auction.closes_at.strftime('%H:%M')} ET",
            )
        )
    return posts


def _flash_posts(
    subscription: Subscription, auctions: list[ScheduledAuction], briefings: Subscription | None
) -> list[PlannedPost]:
    posts = []
    for auction in auctions:
        if not _wanted(subscription, auction):
            continue
        in_thread = briefings is not None and _wanted(briefings, auction)
        posts.append(
            PlannedPost(
                key=f"flash:{subscription.channel_id}:{auction.tenor}:{auction.auction_date.isoformat()}",
                kind=PostKind.FLASH,
                channel_id=subscription.channel_id,
                due_at=auction.closes_at,
                command=f"flash {auction.tenor} {auction.auction_date.isoformat()}",
                thread_of=briefing_key(subscription.channel_id, auction) if in_thread else None,
                label=f"Result flash: {auction.security}",
            )
        )
    return posts


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _daily_posts(subscription: Subscription, start: date, end: date, times: ScheduleTimes) -> list[PlannedPost]:
    return [
        PlannedPost(
            key=f"daily:{subscription.channel_id}:{day.isoformat()}",
            kind=PostKind.DAILY,
            channel_id=subscription.channel_id,
            due_at=_at(day, times.daily_at),
            command=f"summary daily {day.isoformat()}",
            label="Daily summary",
        )
        for day in _days(start, end)
        if is_business_day(day)
    ]


def last_business_day_of_week(day: date) -> bool:
    """True when no business day follows `day` before the next Monday."""
    if not is_business_day(day):
        return False
    following = day + timedelta(days=1)
    while following.weekday() < 5:
        if is_business_day(following):
            return False
        following += timedelta(days=1)
    return True


def _weekly_posts(subscription: Subscription, start: date, end: date, times: ScheduleTimes) -> list[PlannedPost]:
    return [
        PlannedPost(
            key=f"weekly:{subscription.channel_id}:{day.isoformat()}",
            kind=PostKind.WEEKLY,
            channel_id=subscription.channel_id,
            due_at=_at(day, times.weekly_at),
            command=f"summary weekly {day.isoformat()}",
            label="Weekly summary",
        )
        for day in _days(start, end)
        if last_business_day_of_week(day)
    ]


def _alert_checks(subscription: Subscription, start: date, end: date, times: ScheduleTimes) -> list[PlannedPost]:
    return [
        PlannedPost(
            key=f"alertcheck:{subscription.channel_id}:{day.isoformat()}:{at.strftime('%H%M')}",
            kind=PostKind.ALERTS,
            channel_id=subscription.channel_id,
            due_at=_at(day, at),
            command=f"alerts {day.isoformat()}",
            label=f"Alert check ({at.strftime('%H:%M')})",
        )
        for day in _days(start, end)
        if is_business_day(day)
        for at in times.alert_checks
    ]
