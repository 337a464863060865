"""`alerts <DATE>` and the scheduled alert posts: the alert rules' findings, worded for the desk."""

from __future__ import annotations

from datetime import date

from commands import blocks
from commands.context import CommandContext
from commands.formatting import day_label, ordinal, signed_bp, usd_bn
from commands.options import not_in_future, parse_date, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Reply, titled_reply
from commands.services import BriefingServices
from market.analytics.alerts import Alert, AlertKind, FundingReadings, evaluate_alerts
from market.funding.book import FundingBook
from market.funding.gauge import gauge, sofr_minus_reserves, srf_take_up
from market.records import describe_tenor


def fired_alerts(services: BriefingServices, day: date) -> list[Alert]:
    """Every alert condition `day` met, over the domains the bot has."""
    return evaluate_alerts(
        day,
        services.thresholds,
        closes=services.yields.closes if services.yields is not None else None,
        auctions=services.auctions.records() if services.auctions is not None else None,
        funding=_funding_readings(services.funding) if services.funding is not None else None,
    )


def _funding_readings(book: FundingBook) -> FundingReadings:
    return FundingReadings(
        sofr_minus_reserves_bp=sofr_minus_reserves(book),
        srf_take_up_bn=srf_take_up(book),
        gauge_score=lambda day: gauge(book, day)[0].score,
    )


def alert_text(alert: Alert) -> str:
    """`30y +31 bp over 3 days, 98.9th percentile (threshold 99th either way)`."""
    if alert.kind is AlertKind.MOVE_1D:
        return f"{alert.subject} {signed_bp(alert.value)} on the day (threshold ±{alert.threshold:g} bp)"
    if alert.kind is AlertKind.MOVE_3D:
        return (
            f"{alert.subject} {signed_bp(alert.value)} over 3 days, {ordinal(alert.percentile)} percentile "
            f"(threshold {alert.threshold:g}th either way)"
        )
    if alert.kind is AlertKind.DEALERS:
        return (
            f"{describe_tenor(alert.subject)} auction: dealers took {alert.value:.1f}% (threshold {alert.threshold:g}%)"
        )
    if alert.kind is AlertKind.SOFR_RESERVES:
        return f"{alert.subject} {signed_bp(alert.value)} (threshold {alert.threshold:g} bp)"
    if alert.kind is AlertKind.SRF:
        return f"{alert.subject} {usd_bn(alert.value)} (threshold ${alert.threshold:g}bn)"
    return f"{alert.subject} {alert.value:.0f}/100 (threshold {alert.threshold:g})"


def alert_reply(alert: Alert, day: date) -> Reply:
    """One fired alert as its own post."""
    text = f":rotating_light: *Alert {day.isoformat()}:* {alert_text(alert)}"
    return Reply(text=text, blocks=blocks.fit(blocks.sections(text)))


def alert_posts(services: BriefingServices, day: date) -> list[tuple[str, Reply]]:
    """Each condition met on `day` with the post that says so, keyed by its stable condition name."""
    return [(alert.condition, alert_reply(alert, day)) for alert in fired_alerts(services, day)]


def alerts_command(services: BriefingServices) -> Command:
    """`alerts <DATE>`: which conditions a day met."""
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, value_flags=frozenset())
        if len(options.positionals) != 1:
            raise UsageError("Give the date to check.", command)
        day = not_in_future(parse_date(options.positionals[0], command), ctx, command)
        title = f"Alerts — {day_label(day)}"
        lines = [f":rotating_light: {alert_text(alert)}" for alert in fired_alerts(services, day)]
        footer = "Thresholds are set in the bot's configuration · times ET"
        return titled_reply(title, lines or ["No alert condition met."], footer)

    command = Command(
        name="alerts",
        summary="Which alert conditions a day met (moves, dealer takedown, SOFR − IORB, SRF, stress gauge).",
        usage="alerts <YYYY-MM-DD>",
        handler=handle,
        examples=("alerts 2025-04-09",),
    )
    return command
