"""The App Home tab: the desk at a glance, built from the same code the commands answer with.

`home_view` is pure (no Slack calls): the bot hands it the time, the user, whether the user is
an admin and the subscriptions of the user's channels, and publishes what it returns. Every
figure comes from the functions behind `/yields`, `/auction`, `/basis` and `/funding`, read
as published at `now` (`market/publication.py`); a section whose data cannot be had says
what is missing in one line. No chart: an image in a Home tab needs a public URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from commands import blocks
from commands.auctions import GRADE_ICONS, resolve_wi, stop_text, tail_text
from commands.basis import gauge_observed
from commands.context import CommandContext
from commands.formatting import bp_distance, cover, ordinal, percent, share, signed_bp, usd_from_dollars
from commands.funding import SOURCES_NOTE, note_text, operation_bn, pick_day
from commands.gauge_history import rank_line
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from commands.schedule.model import Feed, Subscription
from commands.services import Services
from commands.yield_data import RARE_HEADING, describe, is_rare, pick_close, ranked_moves, rarity_order
from market.analytics.auctions import assess
from market.analytics.curve import HORIZONS, SPREADS, base_day, change_bp, spread_bp
from market.analytics.rarity import RankedMove
from market.analytics.stress import traffic_light
from market.auctions.book import AuctionBook, family
from market.funding.book import IORB_START, FundingBook
from market.funding.gauge import gauge
from market.funding.gauge_history import history_of
from market.funding.snapshot import snapshot
from market.http import UpstreamError
from market.publication import Dataset, published_at
from market.records import AuctionRecord, describe_tenor
from market.tenors import TENOR_KEYS
from market.tz import DESK_TZ
from market.yields.history import YieldHistory

logger = logging.getLogger(__name__)

MAX_VIEW_BLOCKS = 100  # a Home tab view holds at most 100 blocks
MANAGE_ACTION_ID = "home_manage_subscriptions"
CURVE_TENORS = ("2y", "5y", "10y", "30y")
CURVE_SPREADS = ("2s10s", "5s30s")
NEXT_AUCTIONS = 4
LAST_RESULTS = 3
MAX_RARE_LINES = 4
HOME_TITLE = "deskbot — the desk at a glance"


def _no_handler(args: CommandArgs, ctx: CommandContext) -> Reply:
    raise UsageError("The Home tab is not a command.")


# What the shared readers name in their usage errors; the Home tab shows only the message.
HOME = Command(name="home", summary="The App Home tab.", usage="(App Home)", handler=_no_handler)


@dataclass(frozen=True)
class Section:
    """One part of the Home tab: a bold title, the answer lines, and the source line."""

    title: str
    lines: tuple[str, ...]
    footer: str = ""
    observed: tuple[Observation, ...] = ()
    accessory: dict[str, Any] | None = None

    def to_blocks(self) -> list[blocks.Block]:
        head: blocks.Block = {"type": "section", "text": {"type": "mrkdwn", "text": f"*{self.title}*"}}
        if self.accessory is not None:
            head["accessory"] = self.accessory
        built = [head, *blocks.sections("\n".join(self.lines))] if self.lines else [head]
        if self.footer:
            built.append(blocks.context(self.footer))
        return built


@dataclass(frozen=True)
class HomeView:
    """The Home tab view, and the dated observations it shows (each public by `now`)."""

    view: dict[str, Any]
    observed: tuple[Observation, ...] = field(default=())


@dataclass(frozen=True)
class Desk:
    """The market sections of the Home tab at one moment: the same for every user, so built once and shared."""

    now: datetime
    slash_command: str
    heading: tuple[blocks.Block, ...]
    sections: tuple[Section, ...]


def desk_at(services: Services, now: datetime, slash_command: str = "/deskbot") -> Desk:
    """Curve, next auctions, last results, stress and funding as published at `now`."""
    ctx = CommandContext(now=now, slash_command=slash_command)
    sections = (
        _guarded("Curve", lambda: curve_section(services.yields, ctx)),
        _guarded("Next auctions", lambda: next_auctions_section(services.auctions, ctx)),
        _guarded("Last auction results", lambda: last_results_section(services.auctions, ctx)),
        _guarded("Basis-trade stress", lambda: stress_section(services.funding, ctx)),
        _guarded("Funding", lambda: funding_section(services.funding, ctx)),
    )
    heading = (blocks.header(HOME_TITLE), blocks.context(_as_of_line(services, now)))
    return Desk(now, slash_command, heading, sections)


def home_view(
    services: Services,
    now: datetime,
    user_id: str,
    is_admin: bool,
    subscriptions: Sequence[Subscription] | None,
    *,
    slash_command: str = "/deskbot",
    subscriptions_note: str = "",
    desk: Desk | None = None,
) -> dict[str, Any]:
    """The `{"type": "home", "blocks": [...]}` view for `user_id` at `now` (see `build_home`)."""
    return build_home(
        services,
        now,
        user_id,
        is_admin,
        subscriptions,
        slash_command=slash_command,
        subscriptions_note=subscriptions_note,
        desk=desk,
    ).view


def build_home(
    services: Services,
    now: datetime,
    user_id: str,
    is_admin: bool,
    subscriptions: Sequence[Subscription] | None,
    *,
    slash_command: str = "/deskbot",
    subscriptions_note: str = "",
    desk: Desk | None = None,
) -> HomeView:
    """The Home tab as published at `now`: curve, next auctions, last results, stress, funding, subscriptions.

    `subscriptions` are those of the user's channels (None when they could not be read;
    `subscriptions_note` then says why, or notes what was shown instead). `desk` is the market
    part already built for this moment (`desk_at`); one built for another moment is not used.
    """
    if desk is None or desk.now != now or desk.slash_command != slash_command:
        desk = desk_at(services, now, slash_command)
    sections = [*desk.sections, subscriptions_section(subscriptions, is_admin, slash_command, subscriptions_note)]
    built: list[blocks.Block] = list(desk.heading)
    for section in sections:
        built.append(blocks.divider())
        built.extend(section.to_blocks())
    observed = tuple(o for section in sections for o in section.observed)
    return HomeView({"type": "home", "blocks": fit_view(built)}, observed)


def _as_of_line(services: Services, now: datetime) -> str:
    sources = []
    if services.yields is not None:
        sources.append("Treasury par yield curve")
    if services.auctions is not None:
        sources.append("TreasuryDirect / Fiscal Data auctions")
    if services.funding is not None:
        sources.append("NY Fed Markets, FRED, CFTC, FR 2004, OFR")
    shown = ", ".join(sources) or "none wired"
    return (
        f"As of {now.astimezone(DESK_TZ):%a %Y-%m-%d %H:%M} ET · sources: {shown} · "
        "only what was published by then · times ET"
    )


def fit_view(built: list[blocks.Block]) -> list[blocks.Block]:
    """At most 100 blocks; when more are given, the last says how many were left out."""
    if len(built) <= MAX_VIEW_BLOCKS:
        return built
    kept = built[: MAX_VIEW_BLOCKS - 1]
    return [*kept, blocks.context(f"{len(built) - len(kept)} more blocks were left out to fit Slack's Home tab.")]


def _guarded(title: str, build: Callable[[], Section]) -> Section:
    """The section, or one line saying what is missing: a usage error's message, a source's failure."""
    try:
        return build()
    except UsageError as error:
        return Section(title, (f"_Not available: {error.message}_",))
    except UpstreamError as error:
        return Section(title, (f"_Not available: {error}._",))
    except Exception:  # one broken section must not blank the whole tab
        logger.exception("Home tab: the %s section failed", title)
        return Section(title, ("_Not available right now: it could not be built (the error is logged)._",))


def _missing(title: str, what: str) -> Section:
    return Section(title, (f"_Not available: {what}._",))


# -- the curve ------------------------------------------------------------------------------------


def curve_section(history: YieldHistory | None, ctx: CommandContext) -> Section:
    """2y/5y/10y/30y closes with their 1-day changes, 2s10s and 5s30s, and any rare move (as `/yields`)."""
    title = "Curve"
    if history is None:
        return _missing(title, "no yields history in this setup")
    close = pick_close(history, ctx.today, ctx, HOME, explicit=False)
    frame = history.frame()
    day = close.day
    previous = base_day(frame, day, HORIZONS[0])  # the previous close: the 1-day change
    levels = []
    for tenor in CURVE_TENORS:
        level = frame.at[day, tenor]
        if pd.isna(level):
            levels.append(f"{tenor} n/a")
            continue
        levels.append(f"*{tenor} {percent(float(level))}* {signed_bp(change_bp(frame, tenor, day, previous))}")
    spreads = []
    for name, short, long in SPREADS:
        if name not in CURVE_SPREADS:
            continue
        now_bp = spread_bp(frame, day, short, long)
        then_bp = spread_bp(frame, previous, short, long) if previous is not None else None
        change = None if now_bp is None or then_bp is None else now_bp - then_bp
        spreads.append(f"*{name} {signed_bp(now_bp)}* ({signed_bp(change)} d/d)")
    lines = [" · ".join(levels) + " (1-day change)", " · ".join(spreads)]
    rare = rare_moves(history, day)
    if rare:
        lines.append(f":rotating_light: *{RARE_HEADING}:*")
        lines.extend(f"• {describe(tenor, move)}; {ordinal(move.percentile)} percentile" for tenor, move in rare)
    else:
        lines.append("No rare move on this close (none beyond the 99th percentile either way).")
    lines.extend(close.notes)
    footer = (
        f"Source: {history.source_of(day.date())} · close {day.date():%a %Y-%m-%d} · official closes, changes in bp"
        f" · `{ctx.typed('yields')}` for the whole curve"
    )
    return Section(
        f"Curve — close {day.date():%a %Y-%m-%d}",
        tuple(lines),
        footer,
        (Observation(Dataset.PAR_CURVE, day.date()),),
    )


def rare_moves(history: YieldHistory, day: pd.Timestamp) -> list[tuple[str, RankedMove]]:
    """The rarest move per tenor on the close, rarest first, as `/yields` lists them."""
    found: list[tuple[str, RankedMove]] = []
    for tenor in TENOR_KEYS:
        closes = history.closes(tenor)
        if pd.Timestamp(day) not in closes.index:
            continue
        found.extend((tenor, move) for move in ranked_moves(closes, day.date()) if is_rare(move))
    found.sort(key=lambda item: rarity_order(item[1]))
    seen: set[str] = set()
    kept = []
    for tenor, move in found:
        if tenor not in seen:
            seen.add(tenor)
            kept.append((tenor, move))
    return kept[:MAX_RARE_LINES]


# -- auctions -------------------------------------------------------------------------------------


def closes_at(record: AuctionRecord) -> datetime:
    """The competitive close as a moment in New York."""
    return datetime.combine(record.auction_date, record.close_time, tzinfo=DESK_TZ)


def countdown(moment: datetime, now: datetime) -> str:
    """`in 2 h 15 min` today, `tomorrow 13:00 ET`, else `Wed 2025-04-16 13:00 ET, in 7 days`."""
    there, here = moment.astimezone(DESK_TZ), now.astimezone(DESK_TZ)
    days = (there.date() - here.date()).days
    if days <= 0:
        minutes = max(0, int((moment - now).total_seconds() // 60))
        hours, minutes = divmod(minutes, 60)
        return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"
    if days == 1:
        return f"tomorrow {there:%H:%M} ET"
    return f"{there:%a %Y-%m-%d %H:%M} ET, in {days} days"


def _closing_text(record: AuctionRecord, now: datetime) -> str:
    moment = closes_at(record)
    days = (moment.astimezone(DESK_TZ).date() - now.astimezone(DESK_TZ).date()).days
    if days <= 0:
        return f"closes {moment:%H:%M} ET today, *{countdown(moment, now)}*"
    if days == 1:
        return f"closes *{countdown(moment, now)}* ({moment:%a %Y-%m-%d})"
    return f"closes *{moment:%a %Y-%m-%d %H:%M} ET*, in {days} days"


def next_auctions_section(book: AuctionBook | None, ctx: CommandContext) -> Section:
    """The next coupon auctions (as `/auction next` lists them) with a countdown to each close."""
    title = "Next auctions"
    if book is None:
        return _missing(title, "no auction history in this setup")
    calendar = book.calendar(ctx.today, ctx.now)
    coupons = [r for r in calendar.records if family(r) == "coupons" and not r.is_small_value]
    ahead = sorted((r for r in coupons if closes_at(r) > ctx.now), key=closes_at)[:NEXT_AUCTIONS]
    # Closed today, result not out yet: said so, rather than vanishing between the close and the print.
    pending = [
        r
        for r in coupons
        if r.auction_date == ctx.today
        and closes_at(r) <= ctx.now
        and published_at(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time) > ctx.now
    ]
    lines = [
        f"• *{describe_tenor(r.tenor)}* closed {closes_at(r):%H:%M} ET today; the result posts within minutes"
        for r in pending
    ]
    for record in ahead:
        size = usd_from_dollars(record.offering_amt) if record.offering_amt is not None else "size not announced"
        kind = "" if record.reopening is None else " · reopening" if record.reopening else " · new issue"
        lines.append(
            f"• *{describe_tenor(record.tenor)}* ({record.security_term}){kind} · {size} — "
            + _closing_text(record, ctx.now)
        )
    if not ahead:
        lines.append(f"No note or bond auction on the calendar in the two weeks from {ctx.today.isoformat()}.")
    footer = f"Source: {calendar.source} · competitive close times ET · `{ctx.typed('auction next')}` lists every one"
    if calendar.note:
        footer += f" · {calendar.note}"
    return Section(title, tuple(lines), footer)


def last_results_section(book: AuctionBook | None, ctx: CommandContext) -> Section:
    """The latest coupon auction results published by now, each graded against its previous six (as `/auction`)."""
    title = "Last auction results"
    if book is None:
        return _missing(title, "no auction history in this setup")
    refresh = book.ensure("coupons", ctx.today, ctx.now)
    records = book.records()
    printed = [
        r
        for r in records
        if family(r) == "coupons"
        and r.has_results
        and not r.is_small_value
        and published_at(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time) <= ctx.now
    ]
    latest = sorted(printed, key=closes_at)[-LAST_RESULTS:][::-1]
    lines = [_result_line(book, records, record) for record in latest]
    if not lines:
        lines.append(f"No note or bond auction result on record up to {ctx.today.isoformat()}.")
    sources = ", ".join(sorted({r.source for r in latest})) or "auction history"
    footer = (
        f"Source: {sources} · each graded against the same tenor's previous 6 auctions · "
        f"`{ctx.typed('auction 10y')}` for one in full"
    )
    if refresh is not None and refresh.error:
        footer += f" · :warning: live sources unavailable ({refresh.error}); from auctions on record"
    observed = tuple(Observation(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time) for r in latest)
    return Section(title, tuple(lines), footer, observed)


def _result_line(book: AuctionBook, records: list[AuctionRecord], record: AuctionRecord) -> str:
    wi_yield, wi_note = resolve_wi(book, record, None)
    assessment = assess(record, records, book.policy, wi_yield)
    icon = GRADE_ICONS.get(assessment.grade.label, ":white_circle:")
    metrics = assessment.metrics
    if assessment.tail_bp is not None:
        word = "tailed" if assessment.tail_bp > 0 else "stopped through" if assessment.tail_bp < 0 else "on the screws"
        tail = f"tail vs WI *{tail_text(assessment.tail_bp)}* ({word})"
    elif metrics["high_minus_median_bp"].value is not None:
        tail = f"high − median {tail_text(metrics['high_minus_median_bp'].value)} (no WI yield, so no tail)"
    else:
        tail = "no tail (no WI yield)" if record.high_yield is not None else "clears on rate: no tail"
    flags = f"\n    ⚑ {'; '.join(assessment.flags)}" if assessment.flags else ""
    return (
        f"• {icon} *{describe_tenor(record.tenor)} {record.auction_date:%a %Y-%m-%d}: {assessment.grade.label}* · "
        f"{stop_text(record)} · {cover(metrics['bid_to_cover'].value)} · dealers {share(metrics['dealer_pct'].value)}"
        f" · indirects {share(metrics['indirect_pct'].value)} · {tail}{flags}"
    )


# -- funding and the basis ------------------------------------------------------------------------


def stress_section(book: FundingBook | None, ctx: CommandContext) -> Section:
    """The basis-trade stress gauge: score, its percentile in the gauge's history, and the call (as `/basis`)."""
    title = "Basis-trade stress"
    if book is None:
        return _missing(title, "no funding history in this setup")
    day, notes = pick_day(book, ctx, HOME, ())
    result, _leverage, feed_notes = gauge(book, day, ctx.point_in_time(day).now)
    if result.score is None:
        return Section(title, (f"_Not available: no gauge component has data for {day.isoformat()}._",))
    rank = history_of(book).rank(result.score, result.as_of)
    ranked = f" ({rank_line(rank)})" if rank is not None else ""
    lines = [
        f"{traffic_light(round(result.score))} *Stress {result.score:.0f}/100*{ranked}.",
        result.call,
    ]
    sources = (
        f"NY Fed Markets, FRED ({'IORB' if result.as_of >= IORB_START else 'IOER'}), CFTC"
        + (", Treasury par curve" if book.closes is not None else "")
        + (", desk feed" if book.desk_feeds else "")
    )
    footer = f"Source: {sources} · data to {result.as_of:%a %Y-%m-%d} · `{ctx.typed('basis')}` for every component"
    if notes or feed_notes:
        footer += " · " + note_text(notes + feed_notes)
    return Section(f"{title} — {result.as_of:%a %Y-%m-%d}", tuple(lines), footer, tuple(gauge_observed(result)))


def funding_section(book: FundingBook | None, ctx: CommandContext) -> Section:
    """SOFR against IORB on its day, and that day's Standing Repo Facility take-up (as `/funding`)."""
    title = "Funding"
    if book is None:
        return _missing(title, "no funding history in this setup")
    day, notes = pick_day(book, ctx, HOME, ())
    snap = snapshot(book, day, ctx.point_in_time(day))
    rate = float(snap.sofr["rate"])
    headline = f"*SOFR {percent(rate)}* on {day:%a %Y-%m-%d}"
    reserve = snap.sofr_reserve_bp.value
    if reserve is not None and snap.reserve_rate is not None:
        headline += f", {bp_distance(reserve, snap.reserve_label)} {percent(snap.reserve_rate)}"
        headline += f" (SOFR − {snap.reserve_label} {signed_bp(reserve)})"
    else:
        headline += f" ({snap.reserve_label} not in the data for this day)"
    taken = operation_bn(snap.repo_ops.value) if snap.repo_ops.value is not None else "none recorded"
    lines = [headline, f"*{snap.repo_ops_label} {taken}* on {day:%a %Y-%m-%d} (sum of the day's repo operations)"]
    published = published_at(Dataset.SOFR, day).astimezone(DESK_TZ)
    footer = (
        f"Source: {SOURCES_NOTE} · SOFR for {day.isoformat()}, published {published:%a %Y-%m-%d %H:%M} ET · "
        f"`{ctx.typed('funding')}` for TGCR, BGCR, EFFR and ON RRP"
    )
    if notes:
        footer += " · " + note_text(notes)
    observed = [Observation(Dataset.SOFR, day), Observation(Dataset.POLICY_RATES, day)]
    if snap.repo_ops.day is not None:
        observed.append(Observation(Dataset.REPO_OPERATIONS, snap.repo_ops.day))
    return Section(title, tuple(lines), footer, tuple(observed))


# -- subscriptions ----------------------------------------------------------------------------------


def manage_button() -> dict[str, Any]:
    """The admin's way into the subscriptions (the action is handled where interactivity is wired)."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Manage", "emoji": False},
        "action_id": MANAGE_ACTION_ID,
        "value": "subscriptions",
    }


def _feed_text(subscription: Subscription) -> str:
    text = subscription.feed.value
    if subscription.feed in (Feed.BRIEFINGS, Feed.FLASH):
        detail = ", ".join(subscription.tenors)
        if subscription.feed is Feed.BRIEFINGS:
            detail += f"; {subscription.lead_minutes} min before the close"
        text += f" ({detail})"
    return text


def subscriptions_section(
    subscriptions: Sequence[Subscription] | None, is_admin: bool, slash_command: str, note: str = ""
) -> Section:
    """What deskbot posts in the user's channels; an admin gets the Manage button."""
    title = "Scheduled posts in your channels"
    accessory = manage_button() if is_admin else None
    if subscriptions is None:
        missing = f"_Not available: {note or 'the subscriptions could not be read'}._"
        return Section(title, (missing,), "", (), accessory)
    by_channel: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        by_channel.setdefault(subscription.channel_id, []).append(subscription)
    lines = [
        f"• <#{channel}>: " + ", ".join(_feed_text(s) for s in sorted(found, key=lambda s: list(Feed).index(s.feed)))
        for channel, found in by_channel.items()
    ]
    if not lines:
        lines.append("None of your channels gets scheduled posts.")
    if is_admin:
        hint = f"*Manage* opens the form; or type `{slash_command} subscribe #channel briefings flash`"
    else:
        hint = f"Admins subscribe channels; `{slash_command} subscriptions` lists every channel's"
    hint += f"; `{slash_command} schedule` shows what is due."
    footer = f"{note} · {hint}" if note else hint
    return Section(title, tuple(lines), footer, (), accessory)


# -- what the view depends on ------------------------------------------------------------------------


def home_marks(services: Services) -> tuple[Any, ...]:
    """The newest dates of the data the Home tab shows: a new close, result or fixing changes them.

    Cheap (the books keep their merged data in memory), so a cached view can be checked against them.
    """
    marks: list[Any] = []
    if services.yields is not None:
        marks.append(("curve", services.yields.latest_day()))
    if services.auctions is not None:
        printed = [r for r in services.auctions.records() if r.has_results and family(r) == "coupons"]
        newest = max(((r.auction_date, r.close_time) for r in printed), default=None)
        marks.append(("auctions", newest, len(printed)))
    if services.funding is not None:
        book = services.funding
        take_up = book.repo_take_up()
        marks.append(("sofr", book.latest("SOFR")))
        marks.append(("repo", None if take_up.empty else take_up.index[-1].date()))
        marks.append(("cftc", max((p.report_date for p in book.positions()), default=None)))
    return tuple(marks)


__all__ = [
    "MANAGE_ACTION_ID",
    "Desk",
    "HomeView",
    "build_home",
    "desk_at",
    "countdown",
    "home_marks",
    "home_view",
]
