"""`/basis history [--since DATE]`: the stress gauge over time, and where today sits in it."""

from __future__ import annotations

import pandas as pd

from commands import blocks
from commands.context import CommandContext
from commands.formatting import ordinal
from commands.funding import pick_day
from commands.gauge_chart import EPISODES, readings_chart
from commands.options import parse_date, split_options
from commands.registry import Command, UsageError
from commands.reply import Observation, Reply
from market.analytics.stress import GROUP_WEIGHTS, RED, YELLOW
from market.funding.book import FundingBook
from market.funding.gauge_history import GAUGE_HISTORY_START, Rank, history_of
from market.publication import Dataset

HISTORY_USAGE = "basis history [YYYY-MM-DD] [--since YYYY-MM-DD]"
RECENT_DAYS = 5


def rank_line(rank: Rank) -> str:
    """`99.6th percentile of 1,770 daily readings since 2018-04-02`."""
    return f"{ordinal(rank.percentile)} percentile of {rank.readings:,} daily readings since {rank.since}"


def history_reply(book: FundingBook, ctx: CommandContext, command: Command, words: tuple[str, ...]) -> Reply:
    """The gauge's daily readings from `--since` (default: its first day) to the day asked."""
    history_command = Command(command.name, command.summary, HISTORY_USAGE, command.handler)
    options = split_options(words, history_command, value_flags=frozenset({"--since"}))
    if len(options.positionals) > 1:
        raise UsageError("Give at most one date, the last day to show.", history_command)
    day, notes = pick_day(book, ctx, history_command, options.positionals)
    since = GAUGE_HISTORY_START
    if "--since" in options.flags:
        since = max(parse_date(options.flags["--since"], history_command, "--since date"), GAUGE_HISTORY_START)
    if since >= day:
        raise UsageError(f"`--since` must be before {day}.", history_command)
    history = history_of(book)
    readings = history.readings(day, ctx.point_in_time(day).now)
    shown = readings.loc[pd.Timestamp(since) :].dropna(subset=["score"])
    if shown.empty:
        raise UsageError(f"The gauge has no reading from {since} to {day}.", history_command)
    last_day = shown.index[-1].date()
    score = float(shown["score"].iloc[-1])
    rank = history.rank(score, last_day, ctx.point_in_time(day).now)
    if rank is None:
        raise UsageError("The gauge's history needs the yields history, which is not wired here.", history_command)
    top_day = shown["score"].idxmax().date()
    title = f"Basis-trade stress gauge — daily, {shown.index[0]:%d %b %Y} to {last_day:%d %b %Y}"
    headline = (
        f"{score:.0f}/100 on {last_day}: {rank_line(rank)}. "
        f"Highest in this span: {shown['score'].max():.0f} on {top_day}."
    )
    lines = [
        f"Days at or above {RED:g} (red): {int((shown['score'] >= RED).sum())}; "
        f"at or above {YELLOW:g} (yellow): {int((shown['score'] >= YELLOW).sum())}; of {len(shown):,} business days.",
        *_episode_lines(shown),
        "Latest readings (composite · funding · dealers · positioning · rates · desk feed):",
        *(_reading_line(stamp, row) for stamp, row in shown.tail(RECENT_DAYS).iterrows()),
    ]
    explain = (
        "Each reading is the gauge as of that day's close, from what was published by then "
        "(weights and components as in `/basis`); a group with no data that day is left out."
    )
    sources = "NY Fed, FRED, CFTC" + (", Treasury" if book.closes is not None else "")
    sources += ", desk feed" if book.desk_feeds else ""
    context = f"Data to {last_day} · {sources}"
    if notes:
        context += " · " + " ".join(notes)
    chart = readings_chart(
        shown,
        sources,
        last_day,
        detail="Daily readings; 0 = calm, 100 = most stressed",
        filename=f"gauge-history-{since}-{last_day}.png",
    )
    body = "\n".join(lines)
    text = "\n".join([title, headline, body, explain, context])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections(f"*{headline}*"),
                *blocks.sections(body),
                blocks.context(explain),
                blocks.context(context),
            ]
        ),
        charts=(chart,),
        observed=(Observation(Dataset.SOFR, last_day),),
    )


def _episode_lines(shown: pd.DataFrame) -> list[str]:
    found = [
        f"{day} {name.lower()}: {shown.loc[pd.Timestamp(day), 'score']:.0f}"
        for day, name in EPISODES
        if pd.Timestamp(day) in shown.index and not pd.isna(shown.loc[pd.Timestamp(day), "score"])
    ]
    return ["Named episodes: " + " · ".join(found)] if found else []


def _reading_line(stamp: pd.Timestamp, row: pd.Series) -> str:
    values = " · ".join("—" if pd.isna(row[column]) else f"{row[column]:.0f}" for column in ("score", *GROUP_WEIGHTS))
    return f"`{stamp.date()}`  {values}"
