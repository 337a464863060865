"""`yields`: the curve at the latest close, or one tenor's moves with how rare they are."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from charts.labels import as_of_text, span_text
from charts.specs import LineChart, Series, Shade
from commands import blocks
from commands.actions import Action, button, flags_as_of, year_before
from commands.context import CommandContext
from commands.formatting import day_label, ordinal, percent, signed_bp
from commands.options import as_of_date, parse_date, parse_positive_int, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from commands.yield_data import (
    RARE_HEADING,
    Close,
    describe,
    is_notable,
    is_rare,
    parse_tenors,
    pick_close,
    ranked_moves,
    rarity_order,
    source_line,
    window_name,
)
from market.analytics.curve import HORIZONS, SPREADS, base_day, change_bp, classify_shape, spread_bp
from market.analytics.rarity import WEEKLY, RankedMove
from market.publication import Dataset
from market.tenors import TENOR_KEYS
from market.yields.history import YieldHistory

DEFAULT_CHART_DAYS = 91
MAX_CHART_DAYS = 40_000
MAX_TENORS = 6
MAX_RARE_LINES = 4
# A pause between two closes longer than this is a break in the series, not a weekend or holiday.
GAP_DAYS = 10
# The tenors the whole curve's Chart 1y button draws: those its headline leads with.
OVERVIEW_CHART_TENORS = ("2y", "10y", "30y")
# Flags that only shape a tenor's history chart, each with an example of its use.
CHART_FLAGS = {"--days": "--days 60", "--since": "--since 2025-01-01"}


def yields_command(history: YieldHistory) -> Command:
    """The `yields` command over the par-curve history."""
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, value_flags=frozenset({"--as-of", "--days", "--since"}))
        tenors = parse_tenors(options.positionals, command)
        if len(tenors) > MAX_TENORS:
            raise UsageError(f"Ask for at most {MAX_TENORS} tenors at a time.", command)
        wanted = as_of_date(options, ctx, command)
        close = pick_close(history, wanted, ctx, command, explicit="--as-of" in options.flags)
        if not tenors:
            if chart_flags := [flag for flag in CHART_FLAGS if flag in options.flags]:
                flag = chart_flags[0]
                raise UsageError(
                    f"`{flag}` sets a tenor's chart: name a tenor, e.g. `yields 30y {CHART_FLAGS[flag]}`.", command
                )
            overview = curve_overview(history, close).with_buttons(
                *_buttons(OVERVIEW_CHART_TENORS, close, options.flags, ctx)
            )
            return overview.with_observed(Observation(Dataset.PAR_CURVE, close.day.date()))
        chart_start = _chart_start(options.flags, close.day.date(), command, history)
        reply = tenor_detail(history, close, tenors, chart_start).with_buttons(
            *_buttons(tenors, close, options.flags, ctx)
        )
        return reply.with_observed(Observation(Dataset.PAR_CURVE, close.day.date()))

    command = Command(
        name="yields",
        summary="Treasury yields at the close: levels, changes in bp and how rare the move is since 1962.",
        usage="yields [tenor …] [--days N | --since YYYY-MM-DD] [--as-of YYYY-MM-DD]",
        handler=handle,
        details=(
            "Without a tenor: the whole curve (1m … 30y) with 1-day, 1-week, 1-month and year-to-date changes, "
            "2s10s, 5s30s and 10s30s, the shape of the day's and week's move, and any rare move. "
            "With tenors (" + ", ".join(TENOR_KEYS) + "): each tenor's moves over 1, 2, 3, 5 and 10 business "
            "days and Friday to Friday, with percentile and the last larger move, and a chart "
            "(3 months by default; `--days N` calendar days or `--since DATE`)."
        ),
        examples=("yields", "yields 30y", "yields 10y 30y --since 2025-01-01", "yields 30y --as-of 2025-04-11"),
    )
    return command


def _buttons(
    tenors: tuple[str, ...], close: Close, flags: dict[str, str], ctx: CommandContext
) -> list[dict[str, Any] | None]:
    """Chart 1y (the tenors over the year to the close shown) and Curve, as of the answer's --as-of."""
    as_of = flags_as_of(flags, ctx)
    since = year_before(close.day.date()).isoformat()
    return [
        button(Action.CHART_1Y, f"yields {' '.join(tenors)} --since {since}", as_of),
        button(Action.CURVE, "curve", as_of),
    ]


def _chart_start(flags: dict[str, str], end: date, command: Command, history: YieldHistory) -> date:
    if "--days" in flags and "--since" in flags:
        raise UsageError("Give either `--days` or `--since`, not both.", command)
    if "--since" in flags:
        since = parse_date(flags["--since"], command, "--since date")
        if since >= end:
            raise UsageError(f"`--since` must be before the close shown ({end.isoformat()}).", command)
        return max(since, history.first_day())
    days = parse_positive_int(flags["--days"], command, "`--days`", MAX_CHART_DAYS) if "--days" in flags else None
    return max(end - timedelta(days=days or DEFAULT_CHART_DAYS), history.first_day())


# -- the whole curve ----------------------------------------------------------


def curve_overview(history: YieldHistory, close: Close) -> Reply:
    frame = history.frame()
    day = close.day
    bases = {horizon.label: base_day(frame, day, horizon) for horizon in HORIZONS}
    rows = []
    cells = []
    for tenor in TENOR_KEYS:
        level = frame.at[day, tenor]
        if pd.isna(level):
            continue
        changes = [signed_bp(change_bp(frame, tenor, day, bases[h.label]), unit=False) for h in HORIZONS]
        rows.append(f"{tenor:<5}{percent(float(level)):>7}" + "".join(f"{c:>7}" for c in changes))
        cells.append([tenor, percent(float(level)), *changes])
    # The table block stands apart from its heading (Slack shows it at the bottom), so its header names the units.
    grid = blocks.table(
        ["tenor", "close", *(f"{h.label} bp" for h in HORIZONS)], cells, [False, *([True] * (len(HORIZONS) + 1))]
    )
    heading = f"{'':<5}{'close':>7}" + "".join(f"{h.label:>7}" for h in HORIZONS)
    spread_rows = []
    for name, short, long in SPREADS:
        now = spread_bp(frame, day, short, long)
        if now is None:
            continue
        deltas = []
        for horizon in HORIZONS:
            then_day = bases[horizon.label]
            then = spread_bp(frame, then_day, short, long) if then_day is not None else None
            deltas.append(signed_bp(None if then is None else now - then, unit=False))
        spread_rows.append(f"{name:<7}{signed_bp(now, unit=False):>5}" + "".join(f"{d:>7}" for d in deltas))
    spread_heading = f"{'':<7}{'bp':>5}" + "".join(f"{h.label:>7}" for h in HORIZONS)

    body = [*curve_digest(history, day), *close.notes]
    title = f"Treasury curve — close {day_label(day.date())}"
    table = "```\n" + "\n".join([heading, *rows]) + "\n```"
    spreads = "```\n" + "\n".join([spread_heading, *spread_rows]) + "\n```"
    footer = source_line(history, close)
    text = "\n".join([title, *body, "Closes (%) and changes (bp):", table, "Spreads:", spreads, footer])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections("\n".join(body)),
                grid,
                *blocks.sections("*Spreads (bp) and changes*\n" + spreads),
                blocks.context(footer),
            ]
        ),
    )


def curve_digest(history: YieldHistory, day: pd.Timestamp) -> list[str]:
    """The answer-first lines about a close: 2y/10y/30y, the day's and week's shape, rare moves."""
    frame = history.frame()
    bases = {horizon.label: base_day(frame, day, horizon) for horizon in HORIZONS}
    lines = [_headline(frame, day, bases)]
    for label, horizon_label in (("Day", "1d"), ("Week", "1w")):
        start = bases[horizon_label]
        two, ten = change_bp(frame, "2y", day, start), change_bp(frame, "10y", day, start)
        if two is not None and ten is not None:
            shape = classify_shape(two, ten)
            lines.append(
                f"*{label}:* 2s10s {shape.name} (2y {signed_bp(two)}, 10y {signed_bp(ten)}, "
                f"spread {signed_bp(shape.spread_bp)})"
            )
    notable: list[tuple[str, RankedMove]] = []
    for tenor in TENOR_KEYS:
        closes = history.closes(tenor)
        if pd.Timestamp(day) not in closes.index:
            continue
        notable.extend((tenor, move) for move in ranked_moves(closes, day.date()) if is_rare(move))
    notable.sort(key=lambda item: rarity_order(item[1]))
    rare_lines = _one_per_tenor(notable)[:MAX_RARE_LINES]
    if rare_lines:
        lines.append(f"*{RARE_HEADING}:*")
        lines.extend(f"• {describe(tenor, move)}; {ordinal(move.percentile)} percentile" for tenor, move in rare_lines)
    return lines


def _headline(frame: pd.DataFrame, day: pd.Timestamp, bases: dict[str, pd.Timestamp | None]) -> str:
    parts = []
    for tenor in ("2y", "10y", "30y"):
        level = frame.at[day, tenor]
        if pd.isna(level):
            continue
        parts.append(
            f"*{tenor} {percent(float(level))}* ({signed_bp(change_bp(frame, tenor, day, bases['1d']))} d/d, "
            f"{signed_bp(change_bp(frame, tenor, day, bases['1w']))} w/w)"
        )
    return " · ".join(parts) if parts else "No 2y, 10y or 30y close on this day."


def _one_per_tenor(moves: list[tuple[str, RankedMove]]) -> list[tuple[str, RankedMove]]:
    seen: set[str] = set()
    kept = []
    for tenor, move in moves:
        if tenor not in seen:
            seen.add(tenor)
            kept.append((tenor, move))
    return kept


# -- one or more tenors -------------------------------------------------------


def tenor_detail(history: YieldHistory, close: Close, tenors: tuple[str, ...], chart_start: date) -> Reply:
    frame = history.frame()
    day = close.day
    bases = {horizon.label: base_day(frame, day, horizon) for horizon in HORIZONS}
    sections: list[str] = []
    # The first tenor's windows are a table block (one per message); any other tenor's stay in monospace.
    shown: list[blocks.Block] = []
    shaded: list[Shade] = []
    headlines: list[str] = []
    for tenor in tenors:
        closes = history.closes(tenor)
        level = frame.at[day, tenor]
        if pd.isna(level) or pd.Timestamp(day) not in closes.index:
            sections.append(_no_close(tenor, closes, day.date()))
            shown.extend(blocks.sections(sections[-1]))
            continue
        moves = ranked_moves(closes, day.date())
        notable = sorted((m for m in moves if is_notable(m)), key=rarity_order)
        changes = " · ".join(f"{h.label} {signed_bp(change_bp(frame, tenor, day, bases[h.label]))}" for h in HORIZONS)
        lead = f"*{tenor} {percent(float(level))}*"
        headlines.append(_rare_headline(lead, tenor, notable))
        table_rows = [f"{'window':<11}{'move':>8}{'pctile':>8}  largest since"]
        for move in moves:
            table_rows.append(
                f"{_window_label(move):<11}{signed_bp(move.window.bp):>8}{move.percentile:>8.1f}  {_since_text(move)}"
            )
        sections.append(f"*{tenor}* {percent(float(level))} — {changes}\n```\n" + "\n".join(table_rows) + "\n```")
        if any(block["type"] == "table" for block in shown):
            shown.extend(blocks.sections(sections[-1]))
        else:
            shown.extend(blocks.sections(f"*{tenor}* {percent(float(level))} — {changes}"))
            shown.append(_windows_grid(tenor, moves))
        if notable and not shaded:
            top = notable[0]
            label = f"{tenor} {signed_bp(top.window.bp)} {window_name(top)}"
            label += f", largest since {top.since.end.year}" if top.since else ", on record"
            shaded.append(Shade(top.window.start, top.window.end, label))

    title = f"{' / '.join(tenors)} Treasury — close {day_label(day.date())}"
    drawn, chart_notes = _chartable(frame, tenors, chart_start, day.date())
    body = [" · ".join(headlines) or "No close for these tenors on this day.", *close.notes, *chart_notes]
    footer = source_line(history, close)
    charts = (_history_chart(frame, drawn, chart_start, day.date(), tuple(shaded), footer),) if drawn else ()
    text = "\n".join([title, *body, *sections, footer])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections("\n".join(body)),
                *shown,
                blocks.context(footer),
            ]
        ),
        charts=charts,
    )


def _no_close(tenor: str, closes: pd.Series, day: date) -> str:
    """Why a tenor has no close on `day`, from the data itself (not yet published, or a gap)."""
    stamp = pd.Timestamp(day)
    before = closes.loc[:stamp]
    after = closes.loc[stamp:]
    if before.empty and not after.empty:
        return f"*{tenor}*: no close on {day.isoformat()}; the series starts {after.index[0].date().isoformat()}."
    if not before.empty and not after.empty:
        return (
            f"*{tenor}*: no close on {day.isoformat()}; Treasury published none between "
            f"{before.index[-1].date().isoformat()} and {after.index[0].date().isoformat()}."
        )
    return f"*{tenor}*: no close on {day.isoformat()}."


def _windows_grid(tenor: str, moves: list[RankedMove]) -> blocks.Block:
    """A tenor's moves by window as a table block: move and percentile right-aligned."""
    rows = [
        [_window_label(move), signed_bp(move.window.bp), f"{move.percentile:.1f}", _since_text(move)] for move in moves
    ]
    return blocks.table([f"{tenor} window", "move", "pctile", "largest since"], rows, [False, True, True, False])


def _window_label(move: RankedMove) -> str:
    return "Fri-Fri" if move.length == WEEKLY else f"{move.length} day{'s' if move.length != 1 else ''}"


def _rare_headline(lead: str, tenor: str, notable: list[RankedMove]) -> str:
    """The tenor's level with its rarest move; a second rare window when it names another "since"."""
    if not notable:
        return lead
    text = f"{lead}, {describe(tenor, notable[0]).split(' ', 1)[1]}"
    other = next((m for m in notable[1:] if _since_text(m) != _since_text(notable[0])), None)
    if other is not None:
        text += f"; {describe(tenor, other).split(' ', 1)[1]}"
    return text


def _since_text(move: RankedMove) -> str:
    if move.window.bp == 0:
        return "—"
    if move.resumed is not None:
        before = f"; before: {move.since.end.isoformat()}" if move.since is not None else ""
        return f"resumed {move.resumed.isoformat()}{before}"
    if move.since is None:
        return f"on record (since {move.history_start.year})"
    return f"{move.since.end.isoformat()} ({signed_bp(move.since.bp)})"


def _history_chart(
    frame: pd.DataFrame, tenors: tuple[str, ...], start: date, end: date, shades: tuple[Shade, ...], note: str
) -> LineChart:
    window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end), list(tenors)]
    series = tuple(
        Series(
            label=tenor,
            points=tuple(
                (stamp.date(), None if pd.isna(value) else float(value)) for stamp, value in window[tenor].items()
            ),
        )
        for tenor in tenors
    )
    closes = window.dropna(how="all").index
    first, last = closes[0].date(), closes[-1].date()
    visible = tuple(replace(shade, label=f"Rarest move: {shade.label}") for shade in shades if shade.end >= first)
    names = _joined(tenors)
    source = note.split(" · ")[0].removeprefix("Source: ")
    return LineChart(
        title=f"{names} Treasury yield{'s' if len(tenors) > 1 else ''}, {span_text(first, last)}",
        subtitle=as_of_text(source, end, "Official daily closes"),
        series=series,
        y_label="Yield (%)",
        filename=f"yields_{'_'.join(tenors)}_{end.isoformat()}.png",
        alt_text=f"{names} yield, daily closes {first.isoformat()} to {last.isoformat()}",
        shades=visible,
    )


def _joined(names: tuple[str, ...]) -> str:
    """`30y`, `10y and 30y`, `2y, 10y and 30y`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _chartable(
    frame: pd.DataFrame, tenors: tuple[str, ...], start: date, end: date
) -> tuple[tuple[str, ...], list[str]]:
    """The tenors with at least two closes to draw between `start` and `end`, and a note for each left out."""
    drawn = []
    notes = []
    for tenor in tenors:
        closes = frame[tenor].dropna()
        inside = closes.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        if len(inside) >= 2:
            drawn.append(tenor)
            continue
        count = "no close" if inside.empty else "only one close"
        before = closes[closes.index < pd.Timestamp(start)]
        why = hint = ""
        if not before.empty:
            previous = before.index[-1].date()
            resumed = closes.loc[pd.Timestamp(start) :]
            if not resumed.empty and (resumed.index[0].date() - previous).days > GAP_DAYS:
                why = f" (Treasury published none between {previous} and {resumed.index[0].date()})"
            hint = f"; `--since` a date before {previous.isoformat()} draws one"
        notes.append(f"No {tenor} chart: {count} from {start.isoformat()} to {end.isoformat()}{why}{hint}.")
    return tuple(drawn), notes
