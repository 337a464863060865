"""`auction`: the calendar, the latest or a past result against history, and the result flash.

Answer first (grade and headline figures), details after; every answer says
its source and the auction's date. `format_flash` is what the scheduler
posts when `market.auctions.flash.watch_for_result` returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from commands import blocks
from commands.actions import Action, button, flags_as_of
from commands.auction_charts import history_chart
from commands.context import CommandContext
from commands.formatting import clock_et, cover, share, signed_bp, usd_from_dollars
from commands.options import (
    Options,
    as_of_date,
    clip_word,
    looks_like_date,
    not_in_future,
    parse_date,
    parse_finite_number,
    split_options,
)
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from market.analytics.auctions import Assessment, Metric, assess, tail_bp
from market.auctions.book import AuctionBook, Refresh, family, family_of_tenor
from market.auctions.flash import FlashOutcome
from market.http import UpstreamError
from market.publication import Dataset, published_at
from market.records import COUPON_YEARS, TIPS_YEARS, AuctionRecord, Kind, describe_tenor, term_months

BILL_WEEKS = (4, 6, 8, 13, 17, 26, 52)
HISTORY_COUNT = 18
FLASH_HISTORY_COUNT = 12
# A when-issued yield outside this range (percent) is a typo, not a yield.
WI_RANGE = (-2.0, 20.0)
CUSIP = re.compile(r"^[0-9]{3}[0-9A-Z]{5}[0-9]$")
TENOR_HINT = "2y 3y 5y 7y 10y 20y 30y, tips5y tips10y tips20y tips30y, frn, bills 4w 6w 8w 13w 17w 26w 52w, or a CUSIP"
GRADE_ICONS = {
    "strong": ":large_green_circle:",
    "in line": ":white_circle:",
    "soft": ":large_orange_circle:",
    "weak": ":red_circle:",
}
# A WI yield further than this from where the auction cleared is a typo or another tenor's yield.
WI_MAX_DISTANCE_BP = 25.0


def auction_command(book: AuctionBook) -> Command:
    """The `auction` command over the auction book."""

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        options = split_options(args.words, command, pair_keys=frozenset({"wi"}))
        as_of = as_of_date(options, ctx, command)
        words = [word.lower() for word in options.positionals]
        if not words:
            raise UsageError("Say which auction: `next`, a tenor or a CUSIP.", command)
        if words[0] in ("next", "calendar", "upcoming"):
            if len(words) > 1 or options.pairs:
                raise UsageError("`auction next` takes no other words.", command)
            return calendar_reply(book, as_of, ctx.now)
        if words[0] == "bills":
            return bills_week_reply(book, parse_bills_week(options, command, ctx, as_of), ctx)
        request = parse_request(options, command, ctx)
        return result_reply(book, request, as_of, ctx.now, command, buttons_as_of=flags_as_of(options.flags, ctx))

    command = Command(
        name="auction",
        summary="Auction calendar, and results against the previous six (grade, tail, dealer takedown).",
        usage="auction <next|tenor|CUSIP> [YYYY-MM-DD] [history] [wi=YIELD]",
        handler=handle,
        details=(
            f"Tenors: {TENOR_HINT}. Results compare bid-to-cover and dealer, direct and indirect shares "
            "with the previous 6 auctions of the same original term (small-value test auctions left out). "
            "`wi=4.46` gives the when-issued yield at the close, so the tail is shown (positive = tailed); "
            "without it, high − median. Bills show the discount and investment rates, and are graded on cover "
            "(and bidder shares where published); `auction bills [YYYY-MM-DD]` lists a week's bill results. "
            "`history` charts the last auctions. `--as-of YYYY-MM-DD` replays a date."
        ),
        examples=(
            "auction next",
            "auction 10y",
            "auction bills",
            "auction 30y 2025-04-10",
            "auction 10y wi=4.46",
            "auction 10y history",
        ),
    )
    return command


@dataclass(frozen=True)
class ResultRequest:
    """What `auction <…>` asked for."""

    tenor: str | None
    cusip: str | None
    on: date | None
    history: bool
    wi_yield: float | None


def parse_tenor(word: str) -> str | None:
    """A tenor as deskbot names it (`10y`, `tips10y`, `frn`, `13w`), or None."""
    text = word.lower().replace("-", "").replace(" ", "")
    # At most three digits: a longer number is no tenor (and `int()` refuses thousands of digits).
    match = re.fullmatch(r"(tips)?(\d{1,3})(y|yr|year)", text)
    if match:
        years = int(match.group(2))
        if match.group(1) and years in TIPS_YEARS:
            return f"tips{years}y"
        if not match.group(1) and years in COUPON_YEARS:
            return f"{years}y"
        return None
    match = re.fullmatch(r"(\d{1,3})(w|wk|week)", text)
    if match and int(match.group(1)) in BILL_WEEKS:
        return f"{int(match.group(1))}w"
    if text in ("frn", "2yfrn", "frn2y"):
        return "frn"
    return None


def parse_request(options: Options, command: Command, ctx: CommandContext) -> ResultRequest:
    tenor: str | None = None
    cusip: str | None = None
    on: date | None = None
    history = False
    for word in options.positionals:
        lowered = word.lower()
        if lowered == "history":
            history = True
        elif looks_like_date(word):
            on = not_in_future(parse_date(word, command, "auction date"), ctx, command)
        elif CUSIP.fullmatch(word.upper()) and tenor is None and cusip is None:
            cusip = word.upper()
        elif (parsed := parse_tenor(word)) is not None and tenor is None and cusip is None:
            tenor = parsed
        else:
            raise UsageError(f"`{clip_word(word)}` is not a tenor I know. Try {TENOR_HINT}.", command)
    if tenor is None and cusip is None:
        raise UsageError(f"Say which auction: {TENOR_HINT}.", command)
    wi_yield = None
    if "wi" in options.pairs:
        raw = options.pairs["wi"]
        wi_yield = parse_finite_number(raw, command, "`wi=`")
        if not WI_RANGE[0] < wi_yield < WI_RANGE[1]:
            raise UsageError(
                f"`wi={clip_word(raw)}` is not a yield: give the when-issued yield in percent, e.g. `wi=4.46`.",
                command,
            )
    return ResultRequest(tenor, cusip, on, history, wi_yield)


# ---------------------------------------------------------------- results


def result_reply(
    book: AuctionBook,
    request: ResultRequest,
    as_of: date,
    now: datetime,
    command: Command,
    *,
    buttons_as_of: str | None = None,
) -> Reply:
    """The latest (or dated) result for the request, or its history chart.

    With `buttons_as_of` (the answer's `--as-of`, or "") a result carries its buttons: the history
    chart through it and the tenor's previous auction.
    """
    if request.on is not None and request.on > as_of:
        raise UsageError(f"{request.on.isoformat()} is after the --as-of date {as_of.isoformat()}.", command)
    through = request.on or as_of
    refresh = book.ensure(request.tenor or "coupons", through, now)
    records = book.records()
    if request.cusip is not None:
        matches = [r for r in records if r.cusip == request.cusip and r.has_results and r.auction_date <= through]
        if not matches:
            raise UsageError(
                f"I have no auction result for CUSIP {request.cusip} up to {through.isoformat()}.", command
            )
        tenor = matches[-1].tenor
    else:
        assert request.tenor is not None
        tenor = request.tenor
    # A result exists only once it has printed (a replay must not see the afternoon at noon).
    series = [
        r
        for r in book.series(tenor, through)
        if (request.cusip is None or r.cusip == request.cusip)
        and published_at(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time) <= now
    ]
    if request.on is not None:
        chosen = [r for r in series if r.auction_date == request.on]
        if not chosen:
            tests = [r for r in records if r.tenor == tenor and r.auction_date == request.on and r.is_small_value]
            if tests:
                raise UsageError(
                    f"The {describe_tenor(tenor)} auction of {request.on.isoformat()} was a "
                    f"{usd_from_dollars(tests[0].offering_amt)} small-value test auction, which I do not grade.",
                    command,
                )
            raise UsageError(no_auction_on(request.on, tenor, book.series(tenor, as_of)), command)
        record = chosen[-1]
    elif series:
        record = series[-1]
    else:
        return no_result_reply(tenor, through, refresh)
    if request.wi_yield is not None and record.high_yield is None:
        raise UsageError(
            f"`wi=` applies to auctions that clear on yield; the {describe_tenor(tenor)} clears on "
            f"{'discount margin' if record.kind == Kind.FRN else 'rate'}.",
            command,
        )
    wi_yield, wi_note = resolve_wi(book, record, request.wi_yield, command)
    if request.history:
        return history_reply(book, tenor, record, refresh, tail_of(record, wi_yield), wi_note)
    assessment = assess(record, records, book.policy, wi_yield)
    reply = format_result(assessment, book, freshness_note(refresh, book, record), wi_note)
    if buttons_as_of is not None:
        reply = reply.with_buttons(*result_buttons(book, record, request.wi_yield, buttons_as_of))
    return reply.with_observed(Observation(Dataset.AUCTION_RESULTS, record.auction_date, record.close_time))


def result_buttons(
    book: AuctionBook, record: AuctionRecord, wi_yield: float | None, as_of: str
) -> list[dict[str, Any] | None]:
    """History chart (through this auction, with its WI) and Previous auction (the tenor's one before, by date)."""
    day = record.auction_date.isoformat()
    wi = f" wi={wi_yield}" if wi_yield is not None else ""
    found = [button(Action.HISTORY_CHART, f"auction {record.tenor} {day} history{wi}", as_of)]
    earlier = [r for r in book.series(record.tenor, record.auction_date) if r.auction_date < record.auction_date]
    if earlier:
        before = earlier[-1].auction_date.isoformat()
        found.append(button(Action.PREVIOUS_AUCTION, f"auction {record.tenor} {before}", as_of))
    return found


def no_auction_on(day: date, tenor: str, series: list[AuctionRecord]) -> str:
    name = describe_tenor(tenor)
    before = [r.auction_date for r in series if r.auction_date < day][-1:]
    after = [r.auction_date for r in series if r.auction_date > day][:1]
    nearest = ", ".join(d.isoformat() for d in before + after)
    hint = f" Nearest: {nearest}." if nearest else ""
    if family_of_tenor(tenor) == "bills":
        # The bill history leaves out the few auctions whose date it could not establish.
        return f"I have no {name} auction on record for {day.isoformat()}.{hint}"
    return f"There was no {name} auction on {day.isoformat()}.{hint}"


def no_result_reply(tenor: str, through: date, refresh: Refresh | None) -> Reply:
    text = f"I have no {describe_tenor(tenor)} auction result up to {through.isoformat()}."
    if refresh is not None and refresh.error:
        text += f" The live sources could not be read: {refresh.error}."
    return Reply(text=blocks.fallback(text), blocks=blocks.fit(blocks.sections(text)))


def wi_too_far(record: AuctionRecord, wi_yield: float) -> str | None:
    """Why `wi_yield` cannot be this auction's WI (more than 25 bp from the high yield), or None."""
    if record.high_yield is None:
        return None
    distance = abs(float(record.high_yield) - wi_yield) * 100
    if round(distance, 1) <= WI_MAX_DISTANCE_BP:
        return None
    return (
        f"wi={wi_yield:g} is {distance:.1f} bp from the {record.tenor}'s high yield {record.high_yield:.3f}%: "
        f"a WI yield is within {WI_MAX_DISTANCE_BP:g} bp of where the auction cleared; did you mean another tenor?"
    )


def resolve_wi(
    book: AuctionBook, record: AuctionRecord, given: float | None, command: Command | None = None
) -> tuple[float | None, str]:
    """The WI yield to measure the tail against, and a note on where it came from.

    A given WI more than 25 bp from the high yield is refused (a `UsageError` when a person typed
    it, else left out with a note); a desk-feed quote that far off is left out with a note.
    """
    if record.high_yield is None:
        return None, ""  # bills and FRNs do not clear on yield: no tail to measure
    if given is not None:
        problem = wi_too_far(record, given)
        if problem is None:
            return given, f"WI {given:.3f}% as given"
        if command is not None:
            raise UsageError(problem, command)
        return None, f"the given {problem.split(':')[0]}, so it is not used"
    if book.wi_feed is not None:
        try:
            found = book.wi_feed.wi_for(record)
        except UpstreamError as error:
            return None, f"WI feed unavailable ({error.reason})"
        if found is None:
            return None, "the desk WI feed has no quote for this auction"
        if (problem := wi_too_far(record, found)) is not None:
            return None, f"the desk feed's {problem.split(':')[0]}, so it is not used"
        return found, f"WI {found:.3f}% from the desk feed"
    return None, ""


def freshness_note(refresh: Refresh | None, book: AuctionBook, record: AuctionRecord) -> str:
    """Said when a top-up failed: the answer may be stale, and how far the data reaches."""
    if refresh is None or refresh.error is None:
        return ""
    reach = book.reach(book.records(), family(record))
    through = reach.isoformat() if reach else "nothing"
    return f"Live sources unavailable ({refresh.error}); answered from auctions on record through {through}."


def tail_text(value: float | None) -> str:
    """A tail or high − median, to the tenth of a bp as desks quote it."""
    return signed_bp(value, 1)


def stop_text(record: AuctionRecord) -> str:
    """The clearing level as a desk quotes it for this kind of security."""
    if record.kind == Kind.FRN:
        if record.high_discount_margin is None:
            return "high discount margin n/a (not in the source)"
        return f"high discount margin *{record.high_discount_margin:.3f}%*"
    if record.kind in (Kind.BILL, Kind.CMB):
        parts = [f"high rate {record.high_investment_rate:.3f}% (investment)"]
        if record.high_discount_rate is not None:
            parts.append(f"{record.high_discount_rate:.3f}% discount")
        return ", ".join(parts)
    return f"high yield *{record.high_yield:.3f}%*"


def tail_line(assessment: Assessment, wi_note: str) -> str:
    record = assessment.record
    if assessment.tail_bp is not None:
        tail = assessment.tail_bp
        word = "tailed" if tail > 0 else "stopped through" if tail < 0 else "on the screws"
        return f"Tail vs WI: *{signed_bp(tail, 1)}* ({word}; {wi_note})."
    proxy = assessment.metrics["high_minus_median_bp"]
    prefix = f"No tail: {wi_note}. " if wi_note else "No WI yield given (no public source has one), so no tail. "
    if record.high_yield is None:
        return prefix.strip()
    if proxy.value is None:
        hint = f"wi={float(record.high_yield):.2f}"  # the security's own level, not another tenor's
        return prefix + f"High − median: n/a (the source has no median for this auction). Add `{hint}` for the tail."
    avg = f", prior avg {signed_bp(proxy.prior_mean, 1)}" if proxy.prior_mean is not None else ""
    return prefix + f"High − median instead: {signed_bp(proxy.value, 1)}{avg}."


def metric_row(label: str, metric: Metric, fmt: Callable[[float | None], str]) -> str:
    if metric.prior_n == 0:
        return f"{label:<15}{fmt(metric.value):>9}   {'n/a':>9}   n/a"
    rng = f"{fmt(metric.prior_low)} – {fmt(metric.prior_high)}"
    return f"{label:<15}{fmt(metric.value):>9}   {fmt(metric.prior_mean):>9}   {rng}"


def metric_cells(label: str, metric: Metric, fmt: Callable[[float | None], str]) -> list[str]:
    """The figures of `metric_row`, one per table cell."""
    if metric.prior_n == 0:
        return [label, fmt(metric.value), "n/a", "n/a"]
    return [label, fmt(metric.value), fmt(metric.prior_mean), f"{fmt(metric.prior_low)} – {fmt(metric.prior_high)}"]


def describe_offering(record: AuctionRecord) -> str:
    if record.reopening and record.original_term and record.original_term != record.security_term:
        return f"reopening ({record.security_term}, originally {record.original_term})"
    if record.reopening:
        return f"reopening ({record.security_term})"
    return "new issue" if record.reopening is False else record.security_term


def format_result(assessment: Assessment, book: AuctionBook, freshness: str = "", wi_note: str = "") -> Reply:
    """The result message: grade and headline first, the comparison table and provenance after."""
    record = assessment.record
    if is_bill(record):
        return format_bill_result(assessment, freshness)
    metrics = assessment.metrics
    icon = GRADE_ICONS.get(assessment.grade.label, ":white_circle:")
    headline = (
        f"{icon} {stop_text(record)} · bid-to-cover *{cover(metrics['bid_to_cover'].value)}* · "
        f"dealers *{share(metrics['dealer_pct'].value)}* · indirects *{share(metrics['indirect_pct'].value)}* · "
        f"directs {share(metrics['direct_pct'].value)}"
    )
    details = (
        f"{record.cusip} · {describe_offering(record)} · offered {usd_from_dollars(record.offering_amt)}"
        f" · SOMA add-on {usd_from_dollars(record.soma_accepted)} · competitive close {clock_et(record.close_time)}"
    )
    lines = [headline, tail_line(assessment, wi_note), *judgement_lines(assessment)]
    return result_message(assessment, lines, details, freshness, bidders=True)


def judgement_lines(assessment: Assessment) -> list[str]:
    """Flags, strong-side standouts, records set, and the grade with its reasons."""
    lines = [f":warning: *{flag}*" for flag in assessment.flags]
    lines.extend(f"• {standout} (on the strong side)" for standout in assessment.standouts)
    lines.extend(f"• Record: {found}." for found in assessment.records)
    lines.append(f"*{assessment.grade.label.capitalize()}*: " + "; ".join(assessment.grade.reasons) + ".")
    return lines


def comparison_figures(
    assessment: Assessment, *, bidders: bool
) -> list[tuple[str, Metric, Callable[[float | None], str]]]:
    """The figures compared with the prior auctions: label, metric and how it is written."""
    metrics = assessment.metrics
    figures: list[tuple[str, Metric, Callable[[float | None], str]]] = [
        ("Bid-to-cover", metrics["bid_to_cover"], cover)
    ]
    if bidders:
        figures.append(("Dealers", metrics["dealer_pct"], share))
        figures.append(("Indirects", metrics["indirect_pct"], share))
        figures.append(("Directs", metrics["direct_pct"], share))
    if metrics["high_minus_median_bp"].value is not None:
        figures.append(("High − median", metrics["high_minus_median_bp"], tail_text))
    return figures


def comparison_table(assessment: Assessment, *, bidders: bool) -> list[str]:
    """This auction against the prior ones' average and range, figure by figure, in monospace."""
    n = len(assessment.priors)
    heading = f"{'':<15}{'this':>9}   {f'avg {n}':>9}   range {n}"
    return [heading, *(metric_row(*figure) for figure in comparison_figures(assessment, bidders=bidders))]


def comparison_grid(assessment: Assessment, *, bidders: bool) -> blocks.Block:
    """The comparison table as a table block, figures right-aligned."""
    n = len(assessment.priors)
    rows = [metric_cells(*figure) for figure in comparison_figures(assessment, bidders=bidders)]
    return blocks.table(["figure", "this", f"avg {n}", f"range {n}"], rows, [False, True, True, True])


def source_text(record: AuctionRecord) -> str:
    """Who published the figures shown, naming the source of a median filled in from another."""
    if record.median_source and record.median_yield is not None:
        return f"{record.source}, {record.median_source} (median yield)"
    return record.source


def sources_text(records: list[AuctionRecord]) -> str:
    """Who published a run of auctions, naming any source that filled in their medians."""
    names = sorted({r.source for r in records})
    medians = sorted({r.median_source for r in records if r.median_source and r.median_yield is not None})
    return ", ".join([*names, *(f"{name} (median yield)" for name in medians)])


def result_message(assessment: Assessment, lines: list[str], details: str, freshness: str, *, bidders: bool) -> Reply:
    """Title, body, comparison table, details and provenance, as text and as blocks.

    The comparison is a table block; the fallback text keeps it in monospace.
    """
    table = comparison_table(assessment, bidders=bidders)
    record, priors = assessment.record, assessment.priors
    name = describe_tenor(record.tenor)
    title = f"{name} auction {record.auction_date.isoformat()}: {assessment.grade.label}"
    if priors:
        span = f"{priors[0].auction_date.isoformat()} … {priors[-1].auction_date.isoformat()}"
        compared = (
            f"compared with the previous {len(priors)} {name} auctions ({span}; small-value test auctions left out)"
        )
    else:
        compared = "no earlier auctions of this tenor to compare with"
    source = f"Source: {source_text(record)} · auction {record.auction_date.isoformat()} · {compared}"
    body = "\n".join(lines)
    text = "\n".join([title, body, *table, details, source, freshness]).strip()
    built = [
        blocks.header(title),
        *blocks.sections(body),
        comparison_grid(assessment, bidders=bidders),
        blocks.context(details),
        blocks.context(source),
    ]
    if freshness:
        built.append(blocks.context(f":warning: {freshness}"))
    return Reply(text=blocks.fallback(text), blocks=blocks.fit(built))


# ---------------------------------------------------------------- bills


def is_bill(record: AuctionRecord) -> bool:
    """Bills and CMBs clear on discount rate: no yield, no coupon, no WI tail."""
    return record.kind in (Kind.BILL, Kind.CMB)


def rate_text(value: Decimal | None) -> str:
    """A bill rate as auction results are quoted: 4.175%."""
    return "n/a" if value is None else f"{value:.3f}%"


def format_bill_result(assessment: Assessment, freshness: str = "") -> Reply:
    """A bill's result: rates, cover and size; bidder shares and high − median where the source has them."""
    record = assessment.record
    metrics = assessment.metrics
    icon = GRADE_ICONS.get(assessment.grade.label, ":white_circle:")
    lines = [
        f"{icon} high discount rate *{rate_text(record.high_discount_rate)}* · "
        f"high investment rate *{rate_text(record.high_investment_rate)}* · "
        f"bid-to-cover *{cover(record.bid_to_cover)}* · {usd_from_dollars(record.offering_amt)} offered"
    ]
    if record.dealer_pct is not None:
        lines.append(
            f"Dealers *{share(record.dealer_pct)}* · indirects *{share(record.indirect_pct)}* · "
            f"directs {share(record.direct_pct)} (of competitive accepted)"
        )
    spread = metrics["high_minus_median_bp"]
    if spread.value is not None:
        avg = f", prior avg {signed_bp(spread.prior_mean, 1)}" if spread.prior_mean is not None else ""
        lines.append(
            f"High − median: {signed_bp(spread.value, 1)} (discount rate; median "
            f"{rate_text(record.median_discount_rate)}){avg}."
        )
    missing = [
        what
        for what, value in (("bidder classes", record.dealer_pct), ("median discount rate", spread.value))
        if value is None
    ]
    if missing:
        lines.append(f"Not on record for this auction: {', '.join(missing)}.")
    soma = f" · SOMA add-on {usd_from_dollars(record.soma_accepted)}" if record.soma_accepted is not None else ""
    details = f"{record.cusip} · {describe_offering(record)}{soma} · competitive close {clock_et(record.close_time)}"
    bidders = record.dealer_pct is not None
    return result_message(assessment, [*lines, *judgement_lines(assessment)], details, freshness, bidders=bidders)


def parse_bills_week(options: Options, command: Command, ctx: CommandContext, as_of: date) -> date:
    """The day whose week `auction bills [YYYY-MM-DD]` lists: the as-of date unless one is given."""
    rest = options.positionals[1:]
    if options.pairs or len(rest) > 1 or (rest and not looks_like_date(rest[0])):
        raise UsageError("`auction bills` takes at most a date, e.g. `auction bills 2025-04-07`.", command)
    if not rest:
        return as_of
    day = not_in_future(parse_date(rest[0], command, "week's date"), ctx, command)
    if day > as_of:
        raise UsageError(f"{day.isoformat()} is after the --as-of date {as_of.isoformat()}.", command)
    return day


def bills_of_week(book: AuctionBook, day: date, ctx: CommandContext) -> list[AuctionRecord]:
    """Bill and CMB results of the Monday–Friday week holding `day`, up to `day`, as published at the answer's time."""
    monday = day - timedelta(days=day.weekday())
    through = min(monday + timedelta(days=4), day)
    seen = ctx.point_in_time()
    found = [
        r
        for r in book.records()
        if is_bill(r)
        and monday <= r.auction_date <= through
        and r.has_results
        and not r.is_small_value
        and seen.sees(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time)
    ]
    return sorted(found, key=lambda r: (r.auction_date, r.close_time, term_months(r.security_term) or 0.0))


def bill_term(record: AuctionRecord) -> str:
    """`13w` for a bill (as typed in `auction 13w`), `42d CMB` for a cash management bill."""
    return f"{record.tenor[3:]} CMB" if record.kind == Kind.CMB else record.tenor


def bills_week_reply(book: AuctionBook, day: date, ctx: CommandContext) -> Reply:
    """The week's bill auctions as a compact table: term, date, high discount rate, cover, size."""
    refresh = book.ensure("13w", day, ctx.now)
    found = bills_of_week(book, day, ctx)
    monday = day - timedelta(days=day.weekday())
    title = f"Bill auctions, week of {monday.strftime('%a %Y-%m-%d')}"
    if not found:
        text = f"{title}: no bill auction results published by then."
        if refresh is not None and refresh.error:
            text += f" The live sources could not be read: {refresh.error}."
        return Reply(text=blocks.fallback(text), blocks=blocks.fit(blocks.sections(text)))
    heading = ["term", "auction", "high disc %", "cover", "offered $bn"]
    table = [f"{heading[0]:<9}{heading[1]:<15}{heading[2]:>11}{heading[3]:>8}{heading[4]:>13}"]
    cells = []
    for r in found:
        size = "n/a" if r.offering_amt is None else f"{float(r.offering_amt) / 1e9:.1f}"
        rate = "n/a" if r.high_discount_rate is None else f"{r.high_discount_rate:.3f}"
        when = r.auction_date.strftime("%a %Y-%m-%d")
        table.append(f"{bill_term(r):<9}{when:<15}{rate:>11}{cover(r.bid_to_cover):>8}{size:>13}")
        cells.append([bill_term(r), when, rate, cover(r.bid_to_cover), size])
    grid = blocks.table(heading, cells, [False, False, True, True, True])
    sources = ", ".join(sorted({r.source for r in found}))
    span = f"{found[0].auction_date.isoformat()} … {found[-1].auction_date.isoformat()}"
    source = f"Source: {sources} · {len(found)} results published by then, auctions {span}"
    fresh = freshness_note(refresh, book, found[-1])
    text = "\n".join([title, *table, source, fresh]).strip()
    built = [blocks.header(title), grid, blocks.context(source)]
    if fresh:
        built.append(blocks.context(f":warning: {fresh}"))
    reply = Reply(text=blocks.fallback(text), blocks=blocks.fit(built))
    return reply.with_observed(*(Observation(Dataset.AUCTION_RESULTS, r.auction_date, r.close_time) for r in found))


def tail_of(record: AuctionRecord, wi_yield: float | None) -> float | None:
    return None if wi_yield is None else tail_bp(record, wi_yield)


def history_reply(
    book: AuctionBook,
    tenor: str,
    record: AuctionRecord,
    refresh: Refresh | None,
    last_tail_bp: float | None = None,
    wi_note: str = "",
) -> Reply:
    """The last `HISTORY_COUNT` auctions up to `record`, charted, with a one-line summary."""
    series = [r for r in book.series(tenor, record.auction_date)][-HISTORY_COUNT:]
    name = describe_tenor(tenor)
    threshold = book.policy.dealer_flag_pct
    flagged = [r for r in series if (r.dealer_pct or 0) >= threshold]
    latest = series[-1]
    title = f"{name} auctions: last {len(series)} through {latest.auction_date.isoformat()}"
    btcs = [float(r.bid_to_cover) for r in series if r.bid_to_cover is not None]
    dealers = [r.dealer_pct for r in series if r.dealer_pct is not None]
    ranges = [
        f"bid-to-cover {min(btcs):.2f}–{max(btcs):.2f}x" if btcs else "no bid-to-cover in the data",
        f"dealers {min(dealers):.1f}–{max(dealers):.1f}%" if dealers else "no bidder classes in the data",
    ]
    summary = (
        f"Latest {latest.auction_date.isoformat()}: {cover(latest.bid_to_cover)}, "
        f"dealers {share(latest.dealer_pct)}, indirects {share(latest.indirect_pct)}. "
        f"Over the {len(series)}: {', '.join(ranges)}."
    )
    if flagged:
        flag_text = f"Dealer takedown ≥ {threshold:g}%: " + ", ".join(r.auction_date.isoformat() for r in flagged)
    elif dealers:
        flag_text = f"No auction with dealers ≥ {threshold:g}% (the flag line on the chart)."
    else:
        flag_text = "Dealer takedown cannot be seen: these auctions' records carry no bidder classes."
    if last_tail_bp is not None:
        note = f"Tail vs WI on {latest.auction_date.isoformat()}: {signed_bp(last_tail_bp, 1)} ({wi_note})."
    elif is_bill(latest):
        note = (
            "Bills clear on discount rate: the chart shows high − median (discount rate) where the source has a median."
        )
    else:
        note = "Tail vs WI needs the desk's WI yields; the chart shows high − median where the source has a median."
    source = f"Source: {sources_text(series)} · auctions to {latest.auction_date.isoformat()}"
    fresh = freshness_note(refresh, book, latest)
    chart = history_chart(series, tenor, threshold, last_tail_bp=last_tail_bp, tail_flag_bp=book.policy.tail_flag_bp)
    text = "\n".join([title, summary, flag_text, note, source, fresh]).strip()
    built = [blocks.header(title), *blocks.sections(f"{summary}\n{flag_text}"), blocks.context(note)]
    built.append(blocks.context(source))
    if fresh:
        built.append(blocks.context(f":warning: {fresh}"))
    return Reply(text=blocks.fallback(text), blocks=blocks.fit(built), charts=(chart,))


# ---------------------------------------------------------------- calendar


def calendar_reply(book: AuctionBook, as_of: date, now: datetime) -> Reply:
    """Announced and upcoming auctions from `as_of`, grouped by day, times in ET."""
    calendar = book.calendar(as_of, now)
    title = f"Treasury auctions from {as_of.isoformat()}"
    lines: list[str] = []
    current: date | None = None
    for record in calendar.records:
        if record.auction_date != current:
            current = record.auction_date
            lines.append(f"*{current.strftime('%a %Y-%m-%d')}*")
        size = f"{usd_from_dollars(record.offering_amt)}" if record.offering_amt is not None else "size not announced"
        parts = [f"{describe_tenor(record.tenor)} ({record.security_term})", record.cusip]
        if record.reopening is not None:
            parts.append("reopening" if record.reopening else "new issue")
        parts.append(size)
        lines.append(f"• {clock_et(record.close_time)} — " + " · ".join(parts))
    if not lines:
        lines.append("No auctions found in that window.")
    source = f"Source: {calendar.source} · as of {as_of.isoformat()} · competitive close times in ET"
    notes = [source] + ([calendar.note] if calendar.note else [])
    text = "\n".join([title, *lines, *notes])
    built = [blocks.header(title), *blocks.sections("\n".join(lines)), *(blocks.context(n) for n in notes)]
    return Reply(text=blocks.fallback(text), blocks=blocks.fit(built))


# ---------------------------------------------------------------- result flash


def format_flash(book: AuctionBook, outcome: FlashOutcome, wi_yield: float | None = None) -> Reply:
    """The flash the scheduler posts: the result against history with one chart, or the give-up note."""
    if outcome.result is None:
        text = f":hourglass: {outcome.message}"
        return Reply(text=blocks.fallback(text), blocks=blocks.fit(blocks.sections(text)))
    record = outcome.result
    history = book.records()
    wi, wi_note = resolve_wi(book, record, wi_yield)
    assessment = assess(record, history, book.policy, wi)
    reply = format_result(assessment, book, wi_note=wi_note)
    series = [r for r in book.series(record.tenor, record.auction_date)][-FLASH_HISTORY_COUNT:]
    if not series or series[-1].key != record.key:
        series = [*series, record][-FLASH_HISTORY_COUNT:]
    chart = history_chart(
        series,
        record.tenor,
        book.policy.dealer_flag_pct,
        highlight_last=True,
        last_tail_bp=assessment.tail_bp,
        tail_flag_bp=book.policy.tail_flag_bp,
    )
    # The flash wears the grade's colour, not an alarm: a strong auction is no emergency.
    icon = GRADE_ICONS.get(assessment.grade.label, ":white_circle:")
    header = f"Result: {reply.text.splitlines()[0]}"
    flash_title = f"{icon} {header}"
    built = (blocks.header(header), *reply.blocks[1:])
    rest = reply.text.split("\n", 1)[1]
    return Reply(text=blocks.fallback(f"{flash_title}\n{rest}"), blocks=built, charts=(chart,))
