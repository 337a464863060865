"""`/funding [DATE]`: overnight funding at a glance, each figure against its past year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from charts.labels import as_of_text, span_text
from charts.specs import Band, Callout, LineChart, Series
from commands import blocks
from commands.context import CommandContext
from commands.formatting import bp_distance, ordinal, percent, signed_bp, usd_bn
from commands.options import as_of_date, looks_like_date, parse_date, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from market.funding.book import FundingBook
from market.funding.repo_day import RepoDay, SpreadReading, repo_day
from market.funding.repo_market import RepoMarket
from market.funding.snapshot import FundingSnapshot, Reading, snapshot
from market.publication import Dataset

CHART_DAYS = 183
# An explicit date may fall on a weekend or holiday: answer from the last fixing this close.
MAX_GAP = timedelta(days=5)
SOURCES_NOTE = "NY Fed Markets (reference rates, repo operations), FRED (IORB/IOER, fed funds target range)"
REPO_SOURCE_NOTE = "Office of Financial Research (repo by venue)"


def operation_bn(value: float | None) -> str:
    """A repo operation total as the NY Fed prints it: to the $10m ($53.15bn)."""
    return usd_bn(value, 2 if value is not None and abs(value) >= 0.05 else 1)


def wanted_date(ctx: CommandContext, command: Command, words: tuple[str, ...]) -> tuple[date, date | None]:
    """The date asked for (one optional `YYYY-MM-DD` word, else `--as-of`, else today) and whether it was typed."""
    options = split_options(words, command)
    explicit = None
    if options.positionals:
        if len(options.positionals) > 1 or not looks_like_date(options.positionals[0]):
            raise UsageError(f"`{command.name}` takes one optional date (YYYY-MM-DD).", command)
        explicit = parse_date(options.positionals[0], command)
    today_ = as_of_date(options, ctx, command)
    if explicit is not None and explicit > today_:
        raise UsageError(f"{explicit} is in the future; today is {today_}.", command)
    return explicit or today_, explicit


def note_text(notes: list[str]) -> str:
    """Notes for the context line, each once, in order."""
    return " ".join(dict.fromkeys(note if note.endswith(".") else f"{note}." for note in notes))


def pick_day(
    book: FundingBook, ctx: CommandContext, command: Command, words: tuple[str, ...]
) -> tuple[date, list[str]]:
    """The SOFR day to answer for: the asked date (or today), after topping up the history.

    An explicit date outside the data is a usage error; today with the sources
    down answers from the latest day held, and says so.
    """
    wanted, explicit = wanted_date(ctx, command, words)
    first = book.first("SOFR")
    if first is None or wanted < first:
        raise UsageError(f"SOFR starts on {first}; ask for a date from then on.", command)
    notes = book.refresh(wanted, ctx.now).notes
    # Only fixings published at the answer's point in time (SOFR for a day comes out the next morning).
    public = min(wanted, ctx.point_in_time(wanted).latest_day(Dataset.SOFR))
    sofr = book.rates("SOFR").loc[: pd.Timestamp(public)]
    day = sofr.index[-1].date()
    if wanted - day > MAX_GAP and explicit is not None:
        why = f" ({'; '.join(notes)})" if notes else ""
        raise UsageError(f"I have no SOFR for {explicit}: my data ends on {day}{why}.", command)
    if day != wanted:
        why = "published" if day == public and public < wanted else "I have"
        notes.append(f"No SOFR for {wanted} yet: showing {day}, the latest {why}.")
    return day, notes


def funding_observed(snap: FundingSnapshot) -> list[Observation]:
    """The dated figures `/funding` shows, for the point-in-time check."""
    shown = [Observation(Dataset.SOFR, snap.day), Observation(Dataset.POLICY_RATES, snap.day)]
    shown += [Observation(Dataset(kind), r.day) for kind, r in snap.others.items() if r.day is not None]
    if snap.repo_ops.day is not None:
        shown.append(Observation(Dataset.REPO_OPERATIONS, snap.repo_ops.day))
    if snap.rrp.day is not None:
        shown.append(Observation(Dataset.ON_RRP, snap.rrp.day))
    return shown


def repo_observed(venues: RepoDay | None) -> list[Observation]:
    """The repo-by-venue figures a reply shows, for the point-in-time check."""
    if venues is None:
        return []
    shown = [Observation(Dataset.OFR_REPO, venues.day)]
    if venues.sofr_tgcr.value is not None:
        shown.append(Observation(Dataset.TGCR, venues.sofr_day))
    return shown


def funding_command(book: FundingBook, repo: RepoMarket | None = None) -> Command:
    """`funding [DATE]` over the funding book, with OFR's repo rates by venue when `repo` is given."""

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        day, notes = pick_day(book, ctx, command, args.words)
        snap = snapshot(book, day, ctx.point_in_time(day))
        venues = None
        if repo is not None:
            # What OFR had out by the date asked (its lag is its own), not by the close of the SOFR day shown.
            point = ctx.point_in_time(wanted_date(ctx, command, args.words)[0])
            notes += repo.refresh(point.latest_day(Dataset.OFR_REPO), ctx.now)
            venues = repo_day(repo, book, day, point)
        reply = funding_reply(snap, book, notes, venues)
        return reply.with_observed(*funding_observed(snap), *repo_observed(venues))

    command = Command(
        name="funding",
        summary=(
            "Overnight funding: SOFR and its percentiles, TGCR, BGCR, EFFR, SOFR − IORB, SRF, ON RRP"
            " and repo rates by venue (DVP, GCF, tri-party)."
        ),
        usage="funding [YYYY-MM-DD]",
        handler=handle,
        details=(
            "Each figure is shown against the year before the date (percentile and range). "
            "The chart shows SOFR with its 1st-99th percentile band, IORB and SRF take-up over six months. "
            "Repo by venue (OFR) is the newest day whose tri-party figures were out (about two business days "
            "later), with DVP − tri-party and SOFR − TGCR ranked among the past 252 business days."
        ),
        examples=("funding", "funding 2025-04-09", "funding 2019-09-17"),
    )
    return command


def _against_year(reading: Reading, fmt: str) -> str:
    if reading.percentile is None or reading.low is None or reading.high is None:
        return ""
    forms: dict[str, Callable[[float | None], str]] = {"bp": signed_bp, "bn": usd_bn, "%": percent}
    form = forms[fmt]
    low, high = form(reading.low), form(reading.high)
    window = "past year" if reading.full_year else f"since {reading.since}, {reading.count} days"
    return f" ({window}: {ordinal(reading.percentile)} pct, {low} to {high})"


def funding_reply(snap: FundingSnapshot, book: FundingBook, notes: list[str], venues: RepoDay | None = None) -> Reply:
    row = snap.sofr
    rate = float(row["rate"])
    reserve = snap.sofr_reserve_bp.value
    headline = f"SOFR {percent(rate)}"
    if reserve is not None and snap.reserve_rate is not None:
        headline += f", {bp_distance(reserve, snap.reserve_label)} {percent(snap.reserve_rate)}"
    else:
        headline += f" ({snap.reserve_label} not in the data for this day)"
    taken = operation_bn(snap.repo_ops.value) if snap.repo_ops.value is not None else "none recorded"
    headline += f"; {snap.repo_ops_label} {taken}"
    if snap.rrp.value is not None:
        headline += f", ON RRP {usd_bn(snap.rrp.value)}"
    headline += "."
    title = f"Funding — {snap.day:%a %d %b %Y}"

    percentiles = " · ".join(
        f"{label} {float(row[key]):.2f}"
        for key, label in (("p1", "1st"), ("p25", "25th"), ("p75", "75th"), ("p99", "99th"))
        if pd.notna(row[key])
    )
    volume = f" · volume ${float(row['volume_bn']):,.0f}bn" if pd.notna(row["volume_bn"]) else ""
    lines = [
        f"• *SOFR* {percent(rate)}"
        + (f" · {percentiles}" if percentiles else "")
        + volume
        + _against_year(snap.sofr_recent, "%")
    ]
    for kind, reading in snap.others.items():
        if reading.value is None:
            lines.append(f"• *{kind}* not published in the data for this day")
        else:
            lines.append(f"• *{kind}* {percent(reading.value)}" + _against_year(reading, "%"))
    if reserve is not None:
        spread = f"• *SOFR − {snap.reserve_label}* {signed_bp(reserve)}"
        lines.append(spread + _against_year(snap.sofr_reserve_bp, "bp"))
    else:
        lines.append(f"• *SOFR − {snap.reserve_label}*: no {snap.reserve_label} in the data for this day")
    if snap.target_low is not None and snap.target_high is not None:
        lines.append(
            f"• *Fed funds range* {snap.target_low:.2f}–{snap.target_high:.2f}%: SOFR is "
            f"{bp_distance((rate - snap.target_low) * 100, 'the bottom')} and "
            f"{bp_distance((rate - snap.target_high) * 100, 'the top')}"
        )
    if snap.repo_ops.value is not None:
        high = f"; past-year high {operation_bn(snap.repo_ops.high)}" if snap.repo_ops.high is not None else ""
        lines.append(
            f"• *{snap.repo_ops_label}* {operation_bn(snap.repo_ops.value)} (sum of the day's repo operations{high})"
        )
    else:
        lines.append(f"• *{snap.repo_ops_label}*: no repo operation in the data for this day")
    if snap.rrp.value is not None:
        lines.append(f"• *ON RRP* {usd_bn(snap.rrp.value)}" + _against_year(snap.rrp, "bn"))
    else:
        lines.append("• *ON RRP*: no result in the data for this day (the file starts 2022-01-03)")
    if venues is not None:
        lines += repo_lines(venues)
    context = f"Data for {snap.day} · {SOURCES_NOTE}" + (f", {REPO_SOURCE_NOTE}" if venues is not None else "")
    if notes:
        context += " · " + note_text(notes)
    chart = funding_chart(book, snap)
    text, built = blocks.answer_blocks(title, headline, lines, context)
    return Reply(
        text=text,
        blocks=built,
        charts=(chart,),
    )


def _against_window(reading: SpreadReading) -> str:
    """ " (past 252 days: 84th pct, −9 bp to +20 bp)", or since the series starts when it is younger."""
    if reading.percentile is None or reading.low is None or reading.high is None:
        return ""
    window = "past 252 days" if reading.full else f"since {reading.since}, {reading.count} days"
    return f" ({window}: {ordinal(reading.percentile)} pct, {signed_bp(reading.low)} to {signed_bp(reading.high)})"


def _venue(name: str, rate: float | None, volume: float | None, note: str = "") -> str:
    if rate is None and volume is None:
        return f"• *{name}*: not published for this day (no trading, or withheld by OFR)"
    parts = [percent(rate) + note if rate is not None else "rate not published"]
    if volume is not None:
        parts.append(f"volume {usd_bn(volume)}")
    return f"• *{name}* " + " · ".join(parts)


def repo_lines(venues: RepoDay) -> list[str]:
    """The repo market by venue (OFR) and its two spreads."""
    gcf_note = " (all tenors; overnight not published)" if venues.gcf_all_tenors else ""
    lines = [
        f"*Repo by venue* — trades of {venues.day:%a %d %b %Y} (OFR, overnight rates, total volumes; "
        "the latest day with tri-party published)",
        _venue("DVP", venues.dvp, venues.dvp_volume),
        _venue("GCF", venues.gcf, venues.gcf_volume, gcf_note),
        _venue("Tri-party", venues.tri, venues.tri_volume),
    ]
    if venues.dvp_tri.value is not None:
        lines.append(f"• *DVP − tri-party* {signed_bp(venues.dvp_tri.value)}" + _against_window(venues.dvp_tri))
    else:
        lines.append("• *DVP − tri-party*: needs both rates that day")
    on = "" if venues.sofr_day == venues.day else f" ({venues.sofr_day:%a %d %b})"
    if venues.sofr_tgcr.value is not None:
        spread = f"• *SOFR − TGCR*{on} {signed_bp(venues.sofr_tgcr.value)}"
        lines.append(spread + _against_window(venues.sofr_tgcr))
    else:
        lines.append(f"• *SOFR − TGCR*{on}: no TGCR in the data for this day")
    return lines


def funding_chart(book: FundingBook, snap: FundingSnapshot) -> LineChart:
    """SOFR with its 1st-99th percentile band, IORB/IOER, and repo take-up bars on the right axis."""
    start = pd.Timestamp(snap.day - timedelta(days=CHART_DAYS))
    end = pd.Timestamp(snap.day)
    sofr = book.rates("SOFR").loc[start:end]
    reserves = book.reserve_rate().loc[start:end].reindex(sofr.index)
    repo = book.repo_take_up().loc[start:end]
    rate = float(snap.sofr["rate"])

    def points(series: pd.Series) -> tuple[tuple[date, float | None], ...]:
        return tuple((ts.date(), None if pd.isna(v) else float(v)) for ts, v in series.items())

    band = Band(
        "SOFR 1st–99th pct",
        tuple((ts.date(), _opt(r["p1"]), _opt(r["p99"])) for ts, r in sofr.iterrows()),
    )
    series = [
        Series("SOFR", points(sofr["rate"])),
        Series(snap.reserve_label, points(reserves), style="step"),
    ]
    if not repo.empty:
        series.append(Series(f"{snap.repo_ops_label} (right axis)", points(repo), right_axis=True, style="bar"))
    fixed = sofr["rate"].dropna().index
    first, last = fixed[0].date(), fixed[-1].date()
    return LineChart(
        title=f"SOFR, its 1st–99th pct band and {snap.reserve_label}, {span_text(first, last)}",
        subtitle=as_of_text("NY Fed Markets, FRED", snap.day, "Daily fixings; band: 1st–99th percentile of trades"),
        series=tuple(series),
        bands=(band,),
        callouts=(Callout(snap.day, rate, f"{rate:.2f}%"),),
        y_label="Rate (%)",
        right_y_label=f"{snap.repo_ops_label} ($bn)",
        right_y_min_top=10.0,
        filename=f"funding-{snap.day}.png",
        alt_text=f"SOFR {rate:.2f}% on {snap.day} with its percentile band, {snap.reserve_label}, repo take-up",
    )


def _opt(value: float) -> float | None:
    return None if pd.isna(value) else float(value)
