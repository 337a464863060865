"""What the scheduler posts: T-1 previews, pre-auction briefings, result flashes, summaries and alerts.

Each is an ordinary command (`preview 10y 2025-04-09`, `summary daily 2025-04-09`, …),
so scheduled posts, `deskbot ask` and Slack share one path. A section whose data
is not available says so by name instead of disappearing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from charts.specs import ChartRequest
from commands import blocks
from commands.actions import subscribe_button
from commands.alerts import ALERT_DATASETS, alert_text, alerts_command, fired_alerts
from commands.auction_charts import history_chart
from commands.auctions import format_flash
from commands.blocks import Block
from commands.context import CommandContext
from commands.curve import compare
from commands.formatting import clock_et, cover, day_label, share, signed_bp, usd_from_dollars
from commands.options import not_in_future, parse_date, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply, titled_reply
from commands.schedule.model import Feed
from commands.services import BriefingServices
from commands.takedown import after_headline, forecast_line, outcome_line, takedown_forecast
from commands.yield_data import pick_close
from commands.yields import curve_digest
from market.analytics.auctions import assess
from market.auctions.book import AuctionBook
from market.auctions.flash import FlashOutcome
from market.calendar import previous_business_day
from market.funding.gauge import gauge
from market.publication import Dataset, published_at
from market.records import AuctionRecord, Kind, describe_tenor
from market.tz import DESK_TZ
from market.yields.history import YieldHistory

RECENT_AUCTIONS = 6
SUMMARY_AT = time(18, 0)


def briefing_commands(services: BriefingServices) -> list[Command]:
    return [_preview(services), _briefing(services), _flash(services), _summary(services), alerts_command(services)]


# -- shared pieces ------------------------------------------------------------


def _tenor_and_day(args: CommandArgs, command: Command, ctx: CommandContext) -> tuple[str, date]:
    options = split_options(args.words, command, value_flags=frozenset())
    if len(options.positionals) != 2:
        raise UsageError("Give a tenor and the auction date.", command)
    return options.positionals[0].lower(), parse_date(options.positionals[1], command, "auction date")


def _auction(book: AuctionBook, tenor: str, day: date, command: Command, now: datetime) -> AuctionRecord:
    """The auction from the history, else from the announced/upcoming calendar (not yet held)."""
    found = [r for r in book.records() if r.tenor == tenor and r.auction_date == day and not r.is_small_value]
    if not found:
        announced = book.calendar(day, now).records
        found = [r for r in announced if r.tenor == tenor and r.auction_date == day and not r.is_small_value]
    if not found:
        raise UsageError(f"There is no {tenor} auction on {day.isoformat()} in the calendar I have.", command)
    return found[-1]


def _recent_table(book: AuctionBook, tenor: str, before: date) -> Block | None:
    """The last auctions of the tenor as a table block (numbers right-aligned), or None when there are none."""
    series = [r for r in book.series(tenor, before - timedelta(days=1))][-RECENT_AUCTIONS:]
    if not series:
        return None
    rows = [
        [
            record.auction_date.isoformat(),
            f"{float(record.high_yield):.3f}%" if record.high_yield is not None else "n/a",
            cover(record.bid_to_cover),
            share(record.dealer_pct),
            share(record.indirect_pct),
        ]
        for record in series
    ]
    return blocks.table(["date", "high", "cover", "dealers", "indir."], rows, [False, True, True, True, True])


def _with_recent_table(
    title: str,
    lines: list[str],
    recent: Block | None,
    tenor: str,
    after: list[str],
    footer: str,
    charts: tuple[ChartRequest, ...] = (),
) -> Reply:
    """A titled answer with the recent auctions as a table between `lines` and `after`."""
    heading = f"*The last {RECENT_AUCTIONS} {tenor} auctions:*"
    if recent is None:
        return titled_reply(
            title, [*lines, heading, f"No earlier {tenor} auctions in the history.", *after], footer, charts
        )
    monospace = ["```", *blocks.table_lines(recent), "```"]
    text = "\n".join([title, *lines, heading, *monospace, *after, footer])
    built = [
        blocks.header(title),
        *blocks.sections("\n".join([*lines, heading])),
        recent,
        *(blocks.sections("\n".join(after)) if after else []),
        blocks.context(footer),
    ]
    return Reply(text=blocks.fallback(text), blocks=blocks.fit(built), charts=charts)


def _offering(record: AuctionRecord) -> str:
    kind = "reopening" if record.reopening else "new issue"
    cusip = f" · {record.cusip}" if record.cusip else ""
    return (
        f"{describe_tenor(record.tenor)} ({record.security_term}){cusip} · {kind} · "
        f"{usd_from_dollars(record.offering_amt)} · closes {clock_et(record.close_time)}"
    )


def _stress_line(services: BriefingServices, day: date) -> str:
    if services.funding is None:
        return "_Stress gauge: not available in this version._"
    result, _leverage, _notes = gauge(services.funding, day)
    if result.score is None:
        return "_Stress gauge: no data for this day._"
    return f"*Stress gauge {result.score:.0f}/100* ({result.call})"


def _yields_lines(services: BriefingServices, day: date, ctx: CommandContext, command: Command) -> list[str]:
    if services.yields is None:
        return ["_Yields: not available in this version._"]
    close = pick_close(services.yields, day, ctx, command, explicit=False)
    return [f"*Curve at the close of {close.day.date().isoformat()}*", *curve_digest(services.yields, close.day)]


def _need_auctions(services: BriefingServices, command: Command) -> AuctionBook:
    if services.auctions is None:
        raise UsageError("Auction data is not available in this version.", command)
    return services.auctions


# -- the auction-day sequence --------------------------------------------------


def _preview(services: BriefingServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        tenor, day = _tenor_and_day(args, command, ctx)
        book = _need_auctions(services, command)
        record = _auction(book, tenor, day, command, ctx.now)
        title = f"Tomorrow: {describe_tenor(tenor)} auction, {day_label(day)}"
        lines = [_takedown_line(services, book, record, ctx), f"*{_offering(record)}*"]
        footer = "Source: TreasuryDirect / Fiscal Data auction history · times ET"
        reply = _with_recent_table(title, lines, _recent_table(book, tenor, day), tenor, [], footer)
        return reply.with_buttons(subscribe_button(Feed.BRIEFINGS, record.tenor))

    command = Command(
        name="preview",
        summary="The T-1 preview of an auction: what is sold, how much, and how the last six went.",
        usage="preview <tenor> <YYYY-MM-DD>",
        handler=handle,
        examples=("preview 10y 2025-04-09",),
    )
    return command


def _briefing(services: BriefingServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        tenor, day = _tenor_and_day(args, command, ctx)
        book = _need_auctions(services, command)
        record = _auction(book, tenor, day, command, ctx.now)
        title = f"{describe_tenor(tenor)} auction today — closes {clock_et(record.close_time)}"
        lines = [_takedown_line(services, book, record, ctx), f"*{_offering(record)}*"]
        after = _yields_lines(services, day - timedelta(days=1), ctx, command)
        after.append(_stress_line(services, day - timedelta(days=1)))
        series = [r for r in book.series(tenor, day - timedelta(days=1))][-12:]
        charts: tuple[ChartRequest, ...] = ()
        if series:
            charts = (history_chart(series, tenor, book.policy.dealer_flag_pct),)
        footer = "Sources: auction history (TreasuryDirect, Fiscal Data) · Treasury par curve · NY Fed, CFTC · ET"
        reply = _with_recent_table(title, lines, _recent_table(book, tenor, day), tenor, after, footer, charts)
        return reply.with_buttons(subscribe_button(Feed.BRIEFINGS, record.tenor))

    command = Command(
        name="briefing",
        summary="The pre-auction briefing: the auction, recent auctions, the curve and the stress gauge.",
        usage="briefing <tenor> <YYYY-MM-DD>",
        handler=handle,
        examples=("briefing 10y 2025-04-09",),
    )
    return command


def _flash(services: BriefingServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        tenor, day = _tenor_and_day(args, command, ctx)
        book = _need_auctions(services, command)
        record = _auction(book, tenor, day, command, ctx.now)
        printed = published_at(Dataset.AUCTION_RESULTS, record.auction_date, record.close_time)
        if record.has_results and ctx.scheduled:  # held already (a replay): post it once it has printed
            while services.watch_clock() < printed:
                services.watch_sleep(1.0)
        if record.has_results and (ctx.scheduled or ctx.now >= printed):
            outcome = FlashOutcome(record, record, 0, max(ctx.now, printed))
            return _with_outcome(services, format_flash(book, outcome), outcome, ctx)
        if not ctx.scheduled:  # a person asked: answer now, never tie up a worker until the close
            return _no_result_yet(record, ctx)
        watched = book.watch(record, clock=services.watch_clock, sleep=services.watch_sleep)
        return _with_outcome(services, format_flash(book, watched), watched, ctx)

    command = Command(
        name="flash",
        summary="The result flash of an auction: watches from the close until the result prints.",
        usage="flash <tenor> <YYYY-MM-DD>",
        handler=handle,
        examples=("flash 10y 2025-04-09",),
    )
    return command


def _takedown_line(services: BriefingServices, book: AuctionBook, record: AuctionRecord, ctx: CommandContext) -> str:
    """The dealer-takedown forecast from what was public at the answer's time."""
    forecast = takedown_forecast(services, record, ctx.point_in_time().now)
    return forecast_line(forecast, book.policy.dealer_flag_pct)


def _with_outcome(services: BriefingServices, reply: Reply, outcome: FlashOutcome, ctx: CommandContext) -> Reply:
    """The flash with dealers' share against the forecast made before the close."""
    if outcome.result is None:
        return reply
    forecast = takedown_forecast(services, outcome.result, ctx.now)
    line = outcome_line(forecast, outcome.result.dealer_pct)
    return reply if line is None else after_headline(reply, line)


def _no_result_yet(record: AuctionRecord, ctx: CommandContext) -> Reply:
    """A typed flash for an auction that has not printed: when it will, and how to get it posted."""
    when = f"{record.auction_date.isoformat()}, competitive close {clock_et(record.close_time)}"
    text = (
        f":hourglass_flowing_sand: The {record.tenor} auction of {when} has no result yet. "
        f"`{ctx.slash_command} subscribe here flash` posts the flash here the moment it prints; "
        f"`{ctx.slash_command} auction {record.tenor}` shows the latest result."
    )
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))


# -- summaries ---------------------------------------------------------------------


def _summary(services: BriefingServices) -> Command:
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, value_flags=frozenset())
        if len(options.positionals) != 2 or options.positionals[0].lower() not in ("daily", "weekly"):
            raise UsageError("Say `daily` or `weekly` and the date.", command)
        period = options.positionals[0].lower()
        day = not_in_future(parse_date(options.positionals[1], command), ctx, command)
        start = day - timedelta(days=day.weekday()) if period == "weekly" else day
        title = f"{'Weekly' if period == 'weekly' else 'Daily'} summary — {day_label(day)}"
        lines = _yields_lines(services, day, ctx, command)
        lines += _auctions_held(services, start, day)
        lines.append(_stress_change(services, start, day, ctx))
        alerts = [(d, alert) for d in _days(start, day) for alert in fired_alerts(services, ctx.point_in_time(d))]
        fired = [(f"{d:%a} " if period == "weekly" else "") + alert_text(alert) for d, alert in alerts]
        lines.append("*Alerts:* " + ("; ".join(fired) if fired else "none fired"))
        if services.skipped_posts is not None:
            # Since the previous summary: what the scheduler did not post because it was too late.
            since = datetime.combine(previous_business_day(start), SUMMARY_AT, tzinfo=DESK_TZ)
            skipped = services.skipped_posts(since, datetime.combine(day, SUMMARY_AT, tzinfo=DESK_TZ))
            if skipped:
                lines.append("*Not posted (too late):* " + "; ".join(skipped))
        charts: tuple[ChartRequest, ...] = ()
        if services.yields is not None:
            charts = _summary_chart(services.yields, start, day, ctx, command)
        footer = "Sources: Treasury par curve · auction history · NY Fed, FRED, CFTC · times ET"
        shown = [Observation(ALERT_DATASETS[alert.kind], alert.observed) for _day, alert in alerts]
        return titled_reply(title, lines, footer, charts).with_observed(*shown)

    command = Command(
        name="summary",
        summary="The managers' daily or weekly summary: curve, auctions, funding stress and alerts.",
        usage="summary daily|weekly <YYYY-MM-DD>",
        handler=handle,
        examples=("summary daily 2025-04-09", "summary weekly 2025-04-11"),
    )
    return command


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def _auctions_held(services: BriefingServices, start: date, end: date) -> list[str]:
    if services.auctions is None:
        return ["_Auctions: not available in this version._"]
    book = services.auctions
    history = book.records()
    held = [
        r
        for r in history
        if start <= r.auction_date <= end
        and r.has_results
        and not r.is_small_value
        and r.kind not in (Kind.BILL, Kind.CMB)
    ]
    if not held:
        return ["*Auctions:* no note or bond auctions."]
    lines = ["*Auctions:*"]
    for record in held:
        assessment = assess(record, history, book.policy, None)
        high = f"{float(record.high_yield):.3f}%" if record.high_yield is not None else "n/a"
        flags = f" ⚑ {'; '.join(assessment.flags)}" if assessment.flags else ""
        lines.append(
            f"• {record.auction_date.strftime('%a')} {describe_tenor(record.tenor)}: {high}, "
            f"{cover(record.bid_to_cover)}, dealers {share(record.dealer_pct)}, indirects "
            f"{share(record.indirect_pct)} — {assessment.grade.label}{flags}"
        )
    return lines


def _stress_change(services: BriefingServices, start: date, end: date, ctx: CommandContext) -> str:
    if services.funding is None:
        return "_Stress gauge: not available in this version._"
    today, _leverage, _notes = gauge(services.funding, end, ctx.point_in_time(end).now)
    before, _l, _n = gauge(services.funding, start - timedelta(days=1))
    if today.score is None:
        return "_Stress gauge: no data for this day._"
    change = "" if before.score is None else f" ({signed_bp(today.score - before.score, unit=False)} pts)"
    return f"*Stress gauge {today.score:.0f}/100*{change}: {today.call}"


def _summary_chart(
    history: YieldHistory, start: date, day: date, ctx: CommandContext, command: Command
) -> tuple[ChartRequest, ...]:
    closes = [pick_close(history, day, ctx, command, explicit=False)]
    before = pick_close(history, start - timedelta(days=1), ctx, command, explicit=False)
    if before.day != closes[0].day:
        closes.append(before)
    return compare(history, closes).charts


# -- alerts ----------------------------------------------------------------------
