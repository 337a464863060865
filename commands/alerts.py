"""`alerts <DATE>` and the scheduled alert posts: the alert rules' findings, worded for the desk."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from commands import blocks
from commands.context import CommandContext
from commands.formatting import day_label, ordinal, signed_bp, usd_bn
from commands.options import not_in_future, parse_date, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply, titled_reply
from commands.services import BriefingServices
from market.analytics.alerts import Alert, AlertKind, FundingReadings, evaluate_alerts
from market.funding.book import IORB_START, FundingBook
from market.funding.gauge import gauge, sofr_minus_reserves, srf_take_up
from market.publication import Dataset, PointInTime
from market.records import describe_tenor
from market.tz import DESK_TZ

# The dataset each alert reads (the gauge is dated by its day; its parts are checked by /basis).
ALERT_DATASETS = {
    AlertKind.MOVE_1D: Dataset.PAR_CURVE,
    AlertKind.MOVE_3D: Dataset.PAR_CURVE,
    AlertKind.DEALERS: Dataset.AUCTION_RESULTS,
    AlertKind.SOFR_RESERVES: Dataset.SOFR,
    AlertKind.SRF: Dataset.REPO_OPERATIONS,
    AlertKind.GAUGE: Dataset.POLICY_RATES,
}


def fired_alerts(services: BriefingServices, point: PointInTime) -> list[Alert]:
    """Every alert condition met by what was published at `point`, over the domains the bot has.

    At a 13:15 check that is the previous close, the SOFR published that morning and the
    auctions already printed; after 18:00, the day's close too.
    """
    today = point.close_of or point.now.astimezone(DESK_TZ).date()
    closes, close_day = None, None
    if services.yields is not None:
        closes = services.yields.closes
        published = services.yields.frame().loc[: pd.Timestamp(point.latest_day(Dataset.PAR_CURVE))]
        close_day = published.index[-1].date() if not published.empty else None
    auctions = [
        record
        for record in (services.auctions.records() if services.auctions is not None else [])
        if record.auction_date == today and point.sees(Dataset.AUCTION_RESULTS, record.auction_date, record.close_time)
    ]
    return evaluate_alerts(
        services.thresholds,
        closes=closes,
        close_day=close_day,
        auctions=auctions,
        auction_day=today,
        funding=_funding_readings(services.funding, today, point) if services.funding is not None else None,
    )


def _funding_readings(book: FundingBook, today: date, point: PointInTime) -> FundingReadings:
    score = gauge(book, today, point.now)[0].score
    spread = _last(sofr_minus_reserves(book), point.latest_day(Dataset.SOFR))
    return FundingReadings(
        sofr_minus_reserves_bp=spread,
        reserve_label="IORB" if spread is None or spread[0] >= IORB_START else "IOER",
        srf_take_up_bn=_last(srf_take_up(book), point.latest_day(Dataset.REPO_OPERATIONS)),
        gauge_score=(today, score) if score is not None else None,
    )


def _last(series: pd.Series, through: date) -> tuple[date, float] | None:
    """The last value on or before `through`, with its date."""
    upto = series.loc[: pd.Timestamp(through)].dropna()
    return None if upto.empty else (upto.index[-1].date(), float(upto.iloc[-1]))


def alert_text(alert: Alert) -> str:
    """`30y +31 bp over 3 days, 98.9th percentile (threshold 99th either way)`."""
    if alert.kind is AlertKind.MOVE_1D:
        return (
            f"{alert.subject} {signed_bp(alert.value)} on the day, as of the {alert.observed.isoformat()} close "
            f"(threshold ±{alert.threshold:g} bp)"
        )
    if alert.kind is AlertKind.MOVE_3D:
        history = "" if alert.history_from is None else f" of 3-day moves since {alert.history_from.isoformat()}"
        return (
            f"{alert.subject} {signed_bp(alert.value)} over 3 days to the {alert.observed.isoformat()} close, "
            f"{ordinal(alert.percentile)} percentile{history} (threshold {alert.threshold:g}th either way)"
        )
    if alert.kind is AlertKind.DEALERS:
        return (
            f"{describe_tenor(alert.subject)} auction: dealers took {alert.value:.1f}% (threshold {alert.threshold:g}%)"
        )
    if alert.kind is AlertKind.SOFR_RESERVES:
        on = alert.observed.isoformat()
        return f"{alert.subject} {signed_bp(alert.value)} on {on} (threshold {alert.threshold:g} bp)"
    if alert.kind is AlertKind.SRF:
        return (
            f"{alert.subject} {usd_bn(alert.value)} on {alert.observed.isoformat()} (threshold ${alert.threshold:g}bn)"
        )
    return f"{alert.subject} {alert.value:.0f}/100 on {alert.observed.isoformat()} (threshold {alert.threshold:g})"


def alert_reply(alert: Alert, point: PointInTime) -> Reply:
    """One fired alert as its own post, saying when it was checked."""
    text = f":rotating_light: *Alert, {point.describe()}:* {alert_text(alert)}"
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))


def alert_posts(services: BriefingServices, checked_at: datetime) -> list[tuple[str, Reply]]:
    """Each condition met by what was public at `checked_at`, with its post, keyed by condition and date."""
    point = PointInTime(checked_at)
    return [(alert.condition, alert_reply(alert, point)) for alert in fired_alerts(services, point)]


def alerts_command(services: BriefingServices) -> Command:
    """`alerts <DATE>`: which conditions a day met."""
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, value_flags=frozenset())
        if len(options.positionals) != 1:
            raise UsageError("Give the date to check.", command)
        day = not_in_future(parse_date(options.positionals[0], command), ctx, command)
        title = f"Alerts — {day_label(day)}"
        fired = fired_alerts(services, ctx.point_in_time(day))
        lines = [f":rotating_light: {alert_text(alert)}" for alert in fired]
        footer = "Thresholds are set in the bot's configuration · times ET"
        reply = titled_reply(title, lines or ["No alert condition met."], footer)
        return reply.with_observed(*(Observation(ALERT_DATASETS[alert.kind], alert.observed) for alert in fired))

    command = Command(
        name="alerts",
        summary="Which alert conditions a day met (moves, dealer takedown, SOFR − IORB, SRF, stress gauge).",
        usage="alerts <YYYY-MM-DD>",
        handler=handle,
        examples=("alerts 2025-04-09",),
    )
    return command
