"""`curve`: the curve on one close against others, as a chart and a compact table."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from charts.specs import CategoryChart, CategorySeries
from commands import blocks
from commands.context import CommandContext
from commands.formatting import day_label, percent, signed_bp
from commands.options import as_of_date, clip_word, not_in_future, parse_date, split_options
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from commands.yield_data import Close, pick_close, source_line
from market.publication import Dataset
from market.tenors import TENOR_KEYS
from market.yields.history import YieldHistory

MAX_DATES = 4
SEPARATORS = frozenset({"vs", "vs.", "v", "against"})


def curve_command(history: YieldHistory) -> Command:
    """The `curve` command over the par-curve history."""
    command: Command

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command)
        words = _dates_between_separators(options.positionals, command)
        if len(words) > MAX_DATES:
            raise UsageError(f"Compare at most {MAX_DATES} dates.", command)
        wanted = [not_in_future(parse_date(word, command), ctx, command) for word in words]
        if not wanted:
            latest = pick_close(history, as_of_date(options, ctx, command), ctx, command, "--as-of" in options.flags)
            end = latest.day.date()
            month_ago = (pd.Timestamp(end) - pd.DateOffset(months=1)).date()
            closes = [latest, *(_close(history, day, ctx, command) for day in (end - timedelta(days=7), month_ago))]
        else:
            closes = [pick_close(history, day, ctx, command, explicit=True) for day in wanted]
        shown = (Observation(Dataset.PAR_CURVE, close.day.date()) for close in closes)
        return compare(history, closes).with_observed(*shown)

    command = Command(
        name="curve",
        summary="The Treasury curve against 1 week and 1 month ago, or on dates you choose.",
        usage="curve [YYYY-MM-DD vs YYYY-MM-DD …] [--as-of YYYY-MM-DD]",
        handler=handle,
        details=f"Up to {MAX_DATES} dates; the first is compared with each of the others, in bp.",
        examples=("curve", "curve 2025-04-09 vs 2025-04-02 vs 2024-12-31", "curve --as-of 2025-04-11"),
    )
    return command


def _dates_between_separators(words: tuple[str, ...], command: Command) -> list[str]:
    """The date words; a `vs` with no date on one side is a usage error, not silently dropped."""
    dates: list[str] = []
    expecting_date = False
    for word in words:
        if word.lower() in SEPARATORS:
            if not dates or expecting_date:
                raise UsageError(f"`{clip_word(word)}` needs a date on each side.", command)
            expecting_date = True
            continue
        dates.append(word)
        expecting_date = False
    if expecting_date:
        raise UsageError(f"`{clip_word(words[-1])}` needs a date on each side.", command)
    return dates


def _close(history: YieldHistory, day: date, ctx: CommandContext, command: Command) -> Close:
    return pick_close(history, max(day, history.first_day()), ctx, command, explicit=False)


def compare(history: YieldHistory, closes: list[Close]) -> Reply:
    frame = history.frame()
    days = [close.day for close in closes]
    tenors = [tenor for tenor in TENOR_KEYS if frame.loc[days, tenor].notna().any()]
    first = days[0]
    heading = f"{'':<5}" + "".join(f"{d.date().isoformat():>12}" for d in days)
    heading += "".join(f"{'vs ' + d.strftime('%m-%d'):>10}" for d in days[1:])
    rows = []
    grid_rows = []
    for tenor in tenors:
        levels = [frame.at[d, tenor] for d in days]
        shown = [percent(float(v)) if not pd.isna(v) else "n/a" for v in levels]
        cells = "".join(f"{level:>12}" for level in shown)
        deltas = ""
        changes = []
        for other in levels[1:]:
            missing = pd.isna(levels[0]) or pd.isna(other)
            delta = None if missing else round((float(levels[0]) - float(other)) * 100, 2)
            deltas += f"{signed_bp(delta, unit=False):>10}"
            changes.append(signed_bp(delta, unit=False))
        rows.append(f"{tenor:<5}{cells}{deltas}")
        grid_rows.append([tenor, *shown, *changes])
    grid_header = ["tenor", *(d.date().isoformat() for d in days), *(f"bp vs {d.strftime('%m-%d')}" for d in days[1:])]
    grid = blocks.table(grid_header, grid_rows, [False, *([True] * (len(grid_header) - 1))])
    summary = _summary(frame, days)
    title = f"Treasury curve — {day_label(first.date())} vs " + ", ".join(d.date().isoformat() for d in days[1:])
    if len(days) == 1:
        title = f"Treasury curve — {day_label(first.date())}"
    notes = [note for close in closes for note in close.notes]
    table = "```\n" + "\n".join([heading, *rows]) + "\n```"
    footer = source_line(history, closes[0])
    chart = CategoryChart(
        title=f"Treasury par curve, {first.date().isoformat()}"
        + (" vs " + ", ".join(d.date().isoformat() for d in days[1:]) if len(days) > 1 else ""),
        categories=tuple(tenors),
        series=tuple(
            CategorySeries(
                d.date().isoformat(),
                tuple(None if pd.isna(frame.at[d, t]) else float(frame.at[d, t]) for t in tenors),
            )
            for d in days
        ),
        y_label="Yield (%)",
        subtitle="Official closes; tenors evenly spaced",
        filename=f"curve_{'_'.join(d.date().isoformat() for d in days)}.png",
        alt_text="Treasury curve on " + ", ".join(d.date().isoformat() for d in days),
        source_note=footer.split(" · ")[0],
    )
    body = "\n".join([summary, *notes])
    text = "\n".join([title, body, table, footer])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit([blocks.header(title), *blocks.sections(body), grid, blocks.context(footer)]),
        charts=(chart,),
    )


def _summary(frame: pd.DataFrame, days: list[pd.Timestamp]) -> str:
    if len(days) < 2:
        return "2s10s " + _spread_text(frame, days[0])
    first, second = days[0], days[1]
    parts = []
    for tenor in ("2y", "10y", "30y"):
        a, b = frame.at[first, tenor], frame.at[second, tenor]
        if not (pd.isna(a) or pd.isna(b)):
            parts.append(f"{tenor} {signed_bp(round((float(a) - float(b)) * 100, 2))}")
    since = f"since {second.date().isoformat()}"
    return f"*{', '.join(parts)} {since}*; 2s10s {_spread_text(frame, first)} (was {_spread_text(frame, second)})."


def _spread_text(frame: pd.DataFrame, day: pd.Timestamp) -> str:
    a, b = frame.at[day, "2y"], frame.at[day, "10y"]
    if pd.isna(a) or pd.isna(b):
        return "n/a"
    return signed_bp(round((float(b) - float(a)) * 100, 2))
