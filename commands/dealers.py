"""`/dealers [DATE]`: primary dealers' net Treasury positions by maturity, and their repo financing.

The answer is the newest FR 2004 week public at the close of DATE (or now):
the NY Fed releases a Wednesday's figures on the Thursday of the following week.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from commands import blocks
from commands.context import CommandContext
from commands.dealers_chart import SOURCE, dealers_chart
from commands.formatting import MINUS, ordinal, signed, signed_usd_bn, usd_bn
from commands.funding import note_text, wanted_date
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from market.dealers.book import DealerBook
from market.dealers.buckets import SPLIT_OVER_11Y
from market.dealers.positions import BucketReading, DealerWeek, dealer_week
from market.publication import Dataset, dealer_release_day

# The newest week is normally 8-15 days old; older than this, the data held has run out.
STALE_AFTER = timedelta(days=16)
TABLE_HEADING = f"{'bucket':<16}{'net $bn':>9}{'w/w':>8}{'4w':>8}{'pct':>8}"


def bn(millions: float) -> float:
    """$ millions as $bn to the tenth, halves rounded away from zero as a desk reads them."""
    return float((Decimal(round(millions)) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _level(millions: float | None) -> str:
    if millions is None:
        return "n/a"
    value = bn(millions)
    return f"{MINUS if value < 0 else ''}{abs(value):,.1f}"


def _change(millions: float | None) -> str:
    return "n/a" if millions is None else signed(bn(millions), 1)


def table_row(reading: BucketReading) -> str:
    """One bucket: net, week and 4-week changes ($bn), percentile in its own history."""
    name = reading.bucket.name
    if reading.value is None:
        if reading.not_yet_reported:
            return f"{name:<16}not reported before {reading.bucket.starts}"
        return f"{name:<16}no figure this week"
    cells = f"{_level(reading.value):>9}{_change(reading.week_change):>8}{_change(reading.month_change):>8}"
    return f"{name:<16}{cells}{ordinal(reading.percentile):>8}"


def bucket_cells(reading: BucketReading) -> list[str]:
    """`table_row`'s figures, one per table cell; a bucket without a figure says why in the net column."""
    name = reading.bucket.name
    if reading.value is None:
        why = f"not reported before {reading.bucket.starts}" if reading.not_yet_reported else "no figure this week"
        return [name, why, *([blocks.EMPTY_CELL] * 3)]
    changes = [_change(reading.week_change), _change(reading.month_change)]
    return [name, _level(reading.value), *changes, ordinal(reading.percentile)]


def headline(picture: DealerWeek) -> str:
    """The answer first: the total, its week change and where it sits against the record."""
    total = picture.total
    assert total.value is not None
    side = "long" if total.value >= 0 else "short"
    text = f"Dealers net {side} {usd_bn(abs(bn(total.value)))} of Treasuries"
    if total.week_change is not None:
        text += f", {signed_usd_bn(bn(total.week_change))} on the week"
    since = f"data since {total.since:%B %Y}" if total.since is not None else "the data"
    if picture.is_record:
        return text + f": a record ({since})."
    gap = usd_bn(bn(picture.high - total.value))
    return text + f", {gap} below the record {usd_bn(bn(picture.high))} (week ending {picture.high_week}; {since})."


def financing_line(reading: BucketReading) -> str:
    label = "• *Repo financing* (dealers' repo borrowing against Treasuries ex TIPS, PDSORA-UTSETTOT)"
    if reading.value is None:
        return f"{label}: no figure for this week in the data"
    parts = []
    if reading.week_change is not None:
        parts.append(f"w/w {signed_usd_bn(bn(reading.week_change))}")
    parts.append(f"{ordinal(reading.percentile)} pct since {reading.since}")
    return f"{label} {usd_bn(bn(reading.value))} ({'; '.join(parts)})"


def explanation(picture: DealerWeek) -> str:
    text = (
        "Net = long − short at market value, Wednesday's close. pct = where the week sits in the bucket's own "
        "history since it was first reported (100 = the longest). The NY Fed's total (PDPOSGST-TOT) adds up "
        "the buckets shown, TIPS included."
    )
    if picture.week < SPLIT_OVER_11Y:
        text += (
            f" Before {SPLIT_OVER_11Y} the NY Fed reported coupons over 11 years as one bucket, which this data "
            "does not hold, so the buckets shown do not add up to the total."
        )
    return text


def dealers_command(book: DealerBook) -> Command:
    """`dealers [DATE]` over the dealer book."""

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        day, explicit = wanted_date(ctx, command, args.words)
        notes = book.refresh(ctx.now)
        week = book.public_week(ctx.point_in_time(day))
        if week is None:
            first = book.first_week()
            released = dealer_release_day(first) if first is not None else None
            raise UsageError(
                f"No primary dealer statistics were public by {day}: the first week held ({first}) came out "
                f"on {released}.",
                command,
            )
        if day - week > STALE_AFTER:
            notes.append(f"The latest week I have ends {week}.")
        if explicit is not None and explicit.weekday() == 2 and week < explicit:
            notes.append(
                f"Positions for the week ending {explicit} are released on {dealer_release_day(explicit):%a %d %b %Y} "
                "at 4:15 pm ET."
            )
        return dealers_reply(book, dealer_week(book.frame(), week), notes)

    command = Command(
        name="dealers",
        summary="Primary dealers' net Treasury positions by maturity, against their history, and repo financing.",
        usage="dealers [YYYY-MM-DD]",
        handler=handle,
        details=(
            "The newest week (as of Wednesday) the NY Fed had released by the date: it publishes on the Thursday "
            "of the following week at 4:15 pm ET. Positions in $bn with week and 4-week changes and each bucket's "
            "percentile in its own history; the chart shows the total and the buckets over 3 years."
        ),
        examples=("dealers", "dealers 2025-04-17", "dealers 2020-03-26"),
    )
    return command


def dealers_reply(book: DealerBook, picture: DealerWeek, notes: list[str]) -> Reply:
    title = f"Primary dealer positions — week ending {picture.week:%a %d %b %Y}"
    answer = headline(picture)
    table = [TABLE_HEADING, *(table_row(r) for r in picture.buckets), table_row(picture.total)]
    table_text = "```\n" + "\n".join(table) + "\n```"
    readings = [*picture.buckets, picture.total]
    grid = blocks.table(
        ["bucket", "net $bn", "w/w", "4w", "pct"], [bucket_cells(r) for r in readings], [False, True, True, True, True]
    )
    financing = financing_line(picture.financing)
    explain = explanation(picture)
    released = dealer_release_day(picture.week)
    source = f"Source: {SOURCE} · week ending {picture.week} · released {released:%a %d %b %Y}, 4:15 pm ET"
    if notes:
        source += " · " + note_text(notes)
    text = "\n".join([title, answer, table_text, financing, explain, source])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections(f"*{answer}*"),
                grid,
                *blocks.sections(financing),
                blocks.context(explain),
                blocks.context(source),
            ]
        ),
        charts=(dealers_chart(book.frame(), picture.week),),
        observed=(Observation(Dataset.PRIMARY_DEALERS, picture.week),),
    )
