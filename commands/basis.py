"""`/basis [DATE]`, `/basis positioning [DATE]` and `/basis calc …`: basis-trade stress and arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from charts.labels import as_of_text, span_text
from charts.specs import ChartRequest, LineChart, Series
from commands import blocks
from commands.context import CommandContext
from commands.formatting import ordinal, percent, signed, signed_bp, signed_usd_bn, usd_bn, zscore
from commands.funding import note_text, pick_day, wanted_date
from commands.gauge_chart import gauge_chart
from commands.gauge_history import HISTORY_USAGE, history_reply, rank_line
from commands.options import clip_word, parse_date, parse_finite_number, split_options, today
from commands.registry import Command, CommandArgs, UsageError
from commands.reply import Observation, Reply
from market.analytics import basis as calc
from market.analytics.stress import GROUP_WEIGHTS, Component, Gauge, LeverageLine, traffic_light
from market.calendar import business_days_after
from market.funding.book import IORB_START, FundingBook
from market.funding.gauge import gauge
from market.funding.gauge_history import history_of
from market.funding.positioning import (
    BASE_CODE,
    EQUIVALENTS,
    ROOTS,
    dv01_by_report,
    positioning_table,
    published_aggregate,
    ten_year_weights,
)
from market.publication import Dataset
from market.sources.cftc import TREASURY_CONTRACTS

CALC_USAGE = "basis calc <contract> <futures price> <coupon> <maturity> <bond price> [repo=…] [delivery=…]"
CALC_EXAMPLE = "basis calc TY 110-16+ 4.25 2032-11-15 99-08"
# The repo rates `calc` accepts, in percent: deep specials below zero, 1980s rates above 15%.
REPO_RANGE_PCT = (-10.0, 30.0)
GROUP_TITLES = {
    "funding": "Funding",
    "dealers": "Dealer balance sheets",
    "positioning": "Positioning",
    "rates": "Rates",
    "desk feed": "Desk feed",
}
# Deliverable remaining terms (months from the first day of the delivery month), for a warning only.
DELIVERABLE_MONTHS = {
    "TU": (21, 24),
    "Z3N": (33, 36),
    "FV": (50, 63),
    "TY": (78, 120),
    "TN": (113, 120),
    "US": (180, 299),
    "WN": (300, 360),
    "UB": (300, 360),
}


# Which dataset each gauge component reads, for the point-in-time record of an answer.
COMPONENT_DATASETS = {
    "sofr_iorb": Dataset.SOFR,
    "sofr_tail": Dataset.SOFR,
    "srf": Dataset.REPO_OPERATIONS,
    "lev_net": Dataset.CFTC_TFF,
    "lev_net_4w": Dataset.CFTC_TFF,
    "move_10y": Dataset.PAR_CURVE,
    "move_30y": Dataset.PAR_CURVE,
    "dealer_coupons": Dataset.PRIMARY_DEALERS,
    "dealer_coupons_4w": Dataset.PRIMARY_DEALERS,
    "dvp_tri": Dataset.OFR_REPO,
}


def gauge_observed(result: Gauge) -> list[Observation]:
    """The dated figures the gauge's answer shows (the desk feed's rows carry their own time)."""
    return [
        Observation(COMPONENT_DATASETS.get(c.key, Dataset.DESK_FEED), c.observed_on)
        for c in result.components
        if c.present and c.observed_on is not None
    ]


def basis_command(book: FundingBook) -> Command:
    """`basis` with its subcommands `positioning` and `calc`, over the funding book."""

    def handle(args: CommandArgs, ctx: CommandContext) -> Reply:
        words = args.words
        if words and words[0].lower() == "calc":
            return calc_reply(book, ctx, command, words[1:])
        if words and words[0].lower() == "positioning":
            return positioning_reply(book, ctx, command, words[1:])
        if words and words[0].lower() == "history":
            return history_reply(book, ctx, command, words[1:])
        day, notes = pick_day(book, ctx, command, words)
        result, leverage, feed_notes = gauge(book, day, ctx.point_in_time(day).now)
        return gauge_reply(result, leverage, book, notes + feed_notes).with_observed(*gauge_observed(result))

    command = Command(
        name="basis",
        summary="Basis-trade stress gauge (0-100), CFTC positioning, and the cash-futures basis calculator.",
        usage="basis [YYYY-MM-DD] | basis positioning [YYYY-MM-DD] | " + HISTORY_USAGE + " | " + CALC_USAGE,
        handler=handle,
        details=(
            "The gauge scores each component as a percentile of its own history and weights the groups "
            "(funding 25%, dealer balance sheets 15%, positioning 15%, rates 20%, desk feed 25%). "
            "`calc` takes prices in decimal or 32nds "
            "(112-16, 112-16+, 112-165); repo= in %, delivery= YYYY-MM-DD."
        ),
        examples=(
            "basis",
            "basis 2025-04-09",
            "basis positioning",
            "basis history --since 2025-01-01",
            CALC_EXAMPLE,
            CALC_EXAMPLE + " repo=4.30",
        ),
    )
    return command


# ---- the gauge ------------------------------------------------------------------------------------


def _value_text(component: Component) -> str:
    value, change = component.value, component.change
    if value is None:
        return ""
    if component.unit == "bp":
        text = signed_bp(value)
        change_text = signed_bp(change) if change is not None else None
    elif component.unit == "$bn":
        text = usd_bn(value)
        change_text = signed_usd_bn(change) if change is not None else None
    elif component.unit == "contracts":
        text = f"{signed(value)} contracts"
        change_text = signed(change) if change is not None else None
    elif component.unit == EQUIVALENTS:  # the label names the unit
        text = signed(value)
        change_text = signed(change) if change is not None else None
    else:  # a yield in %, its move in bp
        text = percent(value)
        change_text = signed_bp(change) if change is not None else None
    if change_text is not None:
        text += f" ({component.change_label} {change_text})"
    return text


def component_line(component: Component, as_of: date) -> str:
    if not component.present:
        return f":white_circle: {component.label}: *missing* — {component.missing}"
    since = f" since {component.history_from}" if component.history_from else ""
    line = f"{component.light} {component.label} {_value_text(component)} — {ordinal(component.percentile)} pct{since}"
    if component.observed_on and component.observed_on != as_of:
        line += f" (as of {component.observed_on})"
    if component.note:
        line += f"; {component.note}"
    return line


def gauge_reply(result: Gauge, leverage: LeverageLine, book: FundingBook, notes: list[str]) -> Reply:
    title = f"Basis-trade stress — {result.as_of:%a %d %b %Y}"
    if result.score is None:
        headline = "No component has data for this date."
    else:
        rank = history_of(book).rank(result.score, result.as_of)
        ranked = f" ({rank_line(rank)})" if rank is not None else ""
        headline = f"{traffic_light(round(result.score))} Stress {result.score:.0f}/100{ranked}. {result.call}"
    drivers = ", ".join(f"{c.label} ({ordinal(c.percentile)} pct)" for c in result.drivers[:4])
    driver_line = f"Driven by: {drivers}." if drivers else "No component is above its 75th percentile."
    lines: list[str] = []
    for group, weight in GROUP_WEIGHTS.items():
        score = result.group_scores.get(group)
        score_text = f"{score:.0f}/100" if score is not None else "missing"
        lines.append(f"*{GROUP_TITLES[group]}* (weight {weight:.0%}) {traffic_light(score)} {score_text}")
        lines.extend(f"    {component_line(c, result.as_of)}" for c in result.components if c.group == group)
    stated = ", ".join(f"{GROUP_TITLES[g].lower()} {w:.0%}" for g, w in GROUP_WEIGHTS.items())
    weights = (
        f"Weights: {stated}; each group is the average of its components' stress percentiles "
        "(in each component's own history up to the date; higher = more stress; "
        ":large_yellow_circle: ≥75th, :red_circle: ≥90th)."
    )
    if set(result.weights_used) != set(GROUP_WEIGHTS):
        used = ", ".join(f"{GROUP_TITLES[g].lower()} {w:.0%}" for g, w in result.weights_used.items())
        weights += f" Missing groups' weight is shared out: used here {used}."
    missing_line = missing_summary(result)
    context = (
        f"Data to {result.as_of} · NY Fed Markets (SOFR, repo operations), "
        f"FRED ({'IORB' if result.as_of >= IORB_START else 'IOER'}), "
        "CFTC Traders in Financial Futures (futures only, published Fridays)"
        + (", yields history" if book.closes is not None else "")
        + (", desk feed" if book.desk_feeds else "")
    )
    if notes:
        context += " · " + note_text(notes)
    body = "\n".join(lines)
    text = "\n".join([title, headline, driver_line, body, weights, missing_line, leverage.text(), context])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections(f"*{headline}*\n{driver_line}"),
                *blocks.sections(body),
                *blocks.sections(f"{leverage.text()}\n{missing_line}"),
                blocks.context(weights),
                blocks.context(context),
            ]
        ),
        charts=_gauge_charts(book, result),
    )


def _gauge_charts(book: FundingBook, result: Gauge) -> tuple[ChartRequest, ...]:
    """The gauge over six months, when it has a reading to show."""
    sources = "NY Fed, FRED, CFTC" + (", Treasury" if book.closes is not None else "")
    sources += ", desk feed" if book.desk_feeds else ""
    chart = gauge_chart(book, result, sources)
    return (chart,) if chart is not None else ()


def missing_summary(result: Gauge) -> str:
    """Missing components named, grouped by reason (they are left out, never counted as zero)."""
    by_reason: dict[str, list[str]] = {}
    for component in result.components:
        if not component.present:
            by_reason.setdefault(component.missing or "no data", []).append(component.label)
    if not by_reason:
        return "No component is missing."
    parts = [f"{', '.join(labels)} — {reason}" for reason, labels in by_reason.items()]
    return "Missing (left out, not counted as zero): " + "; ".join(parts) + "."


# ---- positioning ----------------------------------------------------------------------------------


def positioning_reply(book: FundingBook, ctx: CommandContext, command: Command, words: tuple[str, ...]) -> Reply:
    day, _explicit = wanted_date(ctx, command, words)
    notes = book.refresh(day, ctx.now).notes
    report, rows = positioning_table(book, day, ctx.point_in_time(day).now)
    if report is None:
        raise UsageError(f"No CFTC report was published by {day}; the data starts in January 2015.", command)
    if (day - report).days > 14:
        notes.append(f"The latest report I have is {report}.")
    title = f"Leveraged funds in Treasury futures — report of {report:%a %d %b %Y}"
    absent = [r.name for r in rows if r.net is None]
    headline = total_headline(book, day, ctx.point_in_time(day).now, len(rows))
    table = ["`contract          net (contracts)     w/w change   z (3y)     pct`"]
    cells = []
    for row in rows:
        if row.net is None:
            table.append(f"`{row.name:<16}  not reported this week`")
            cells.append([row.name, "not reported this week", *([blocks.EMPTY_CELL] * 3)])
            continue
        z = zscore(row.zscore)
        change = signed(row.change) if row.change is not None else "n/a"
        table.append(f"`{row.name:<16}  {signed(row.net):>15}  {change:>13}  {z:>6}  {ordinal(row.percentile):>7}`")
        cells.append([row.name, signed(row.net), change, z, ordinal(row.percentile)])
    grid = blocks.table(
        ["contract", "net (contracts)", "w/w change", "z (3y)", "pct"], cells, [False, True, True, True, True]
    )
    explain = (
        "Net = long − short, matched on the CFTC contract code (names changed in 2022). "
        "z-score against the reports of the past 3 calendar years; pct = how short in the contract's own history "
        "(higher = shorter)."
    )
    explain += " " + weighting_text(book, report)
    if absent:
        explain += f" Not reported this week: {', '.join(absent)} (a gap in the history, not zero)."
    context = (
        f"CFTC Traders in Financial Futures, futures only, positions as of Tuesday {report}, published that Friday"
    )
    if notes:
        context += " · " + note_text(notes)
    chart = positioning_chart(book, day, report)
    text = "\n".join([title, headline, *table, explain, context])
    return Reply(
        text=blocks.fallback(text),
        blocks=blocks.fit(
            [
                blocks.header(title),
                *blocks.sections(f"*{headline}*"),
                grid,
                blocks.context(explain),
                blocks.context(context),
            ]
        ),
        charts=(chart,),
        observed=(Observation(Dataset.CFTC_TFF, report),),
    )


def total_headline(book: FundingBook, day: date, now: datetime, contracts: int) -> str:
    """The total across the contracts reported, in 10y-note equivalents (contracts without a yields history)."""
    total = published_aggregate(book, day, now)
    net = total.at(total.weekly)
    if net is None:
        return "No total: the latest report has no leveraged-fund figures."
    week = total.at(total.changes(1))
    side = "short" if net < 0 else "long"
    across = f"the {contracts}" if not total.absent else f"the {len(total.codes)} of {contracts} reported"
    week_text = (
        f"{signed(week)} on the week"
        if week is not None
        else "no week change: the report before lacks one of these contracts"
    )
    unit = "10y-note equivalents (DV01-weighted)" if total.weights is not None else "contracts (not DV01-weighted)"
    return f"Leveraged funds are net {side} {abs(net):,.0f} {unit} across {across} Treasury futures ({week_text})."


def weighting_text(book: FundingBook, report: date) -> str:
    """How the total weighs the contracts, with this report's weights, so a reader can check them."""
    dv01 = dv01_by_report(book)
    when = pd.Timestamp(report)
    if dv01 is None or when not in dv01.index or pd.isna(dv01.loc[when, BASE_CODE]):
        return "The total adds contracts unweighted: no yields history is wired to weigh them by DV01."
    weights = ten_year_weights(dv01).loc[when]
    parts = ", ".join(f"{ROOTS[code]} {weights[code]:.2f}" for code in ROOTS if code != BASE_CODE)
    return (
        f"The total is in 10y-note equivalents: each contract counts as its DV01 over TY's ({parts}; "
        f"TY ${dv01.loc[when, BASE_CODE]:.0f} per bp), from the par curve of "
        f"{pd.Timestamp(dv01.loc[when, 'curve_day']).date()} and a representative cheapest-to-deliver "
        "per contract (see README)."
    )


def positioning_chart(book: FundingBook, day: date, report: date) -> LineChart:
    frame = book.leveraged_net().loc[pd.Timestamp(report - timedelta(days=3 * 365)) : pd.Timestamp(report)] / 1e6
    series = tuple(
        Series(name, tuple((ts.date(), None if pd.isna(v) else float(v)) for ts, v in frame[code].items()))
        for code, name in TREASURY_CONTRACTS.items()
    )
    reported = frame.dropna(how="all").index
    first, last = reported[0].date(), reported[-1].date()
    return LineChart(
        title=f"Leveraged funds' net in Treasury futures, {span_text(first, last)}",
        subtitle=as_of_text(
            "CFTC Traders in Financial Futures (futures only)", day, "long − short, weekly (Tuesday) reports"
        ),
        series=series,
        y_label="Net position (million contracts)",
        filename=f"positioning-{report}.png",
        alt_text=f"Leveraged funds' net positions by Treasury futures contract, {first} to {last}",
    )


# ---- the calculator -------------------------------------------------------------------------------


def calc_reply(book: FundingBook, ctx: CommandContext, command: Command, words: tuple[str, ...]) -> Reply:
    calc_command = Command(command.name, command.summary, CALC_USAGE, command.handler)
    options = split_options(
        words, calc_command, value_flags=frozenset({"--as-of"}), pair_keys=frozenset({"repo", "delivery"})
    )
    if len(options.positionals) != 5:
        raise UsageError(
            f"`calc` needs 5 values (contract, futures price, coupon, maturity, bond price); got "
            f"{len(options.positionals)}. Example: `{CALC_EXAMPLE}`",
            calc_command,
        )
    contract_text, futures_text, coupon_text, maturity_text, bond_text = options.positionals
    trade_date = today(ctx)
    settle = business_days_after(trade_date, 1)
    try:
        futures = calc.parse_price(futures_text)
        bond = calc.parse_price(bond_text)
        root, delivery_month = calc.parse_contract(contract_text, settle)
    except calc.BasisInputError as error:
        raise UsageError(f"{error}. Example: `{CALC_EXAMPLE}`", calc_command) from None
    coupon = parse_finite_number(coupon_text.rstrip("%"), calc_command, "The coupon")
    maturity = parse_date(maturity_text, calc_command, "maturity date")
    delivery = (
        parse_date(options.pairs["delivery"], calc_command, "delivery date")
        if "delivery" in options.pairs
        else calc.last_delivery_day(root, delivery_month.year, delivery_month.month)
    )
    # The SOFR published by the answer's time: on the trade date's morning, the fixing of the day before.
    sofr_day, sofr = _sofr(book, ctx.point_in_time(trade_date).latest_day(Dataset.SOFR))
    repo = _repo_rate(options.pairs["repo"], calc_command) if "repo" in options.pairs else sofr
    try:
        result = calc.basis(root, futures, coupon, maturity, bond, settle, delivery, delivery_month, repo_pct=repo)
    except calc.BasisInputError as error:
        raise UsageError(f"{error}. Example: `{CALC_EXAMPLE}`", calc_command) from None
    reply = basis_calc_reply(result, sofr, sofr_day, "repo" in options.pairs)
    return reply.with_observed(Observation(Dataset.SOFR, sofr_day)) if sofr_day is not None else reply


def _repo_rate(text: str, command: Command) -> float:
    """A repo rate in percent, within what a repo desk has ever seen (specials trade below zero)."""
    rate = parse_finite_number(text.rstrip("%"), command, "`repo=`")
    low, high = REPO_RANGE_PCT
    if not low <= rate <= high:
        raise UsageError(
            f"`repo=` is a rate in percent from {low:g} to {high:g} (got `{clip_word(text)}`). "
            f"Example: `{CALC_EXAMPLE} repo=4.30`",
            command,
        )
    return rate


def _sofr(book: FundingBook, day: date) -> tuple[date | None, float | None]:
    sofr = book.rates("SOFR")["rate"].loc[: pd.Timestamp(day)].dropna()
    if sofr.empty or (day - sofr.index[-1].date()).days > 7:
        return None, None
    return sofr.index[-1].date(), float(sofr.iloc[-1])


def thirty_seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{signed(value, 1)}/32"


def basis_calc_reply(result: calc.BasisResult, sofr: float | None, sofr_day: date | None, repo_given: bool) -> Reply:
    name = calc.CONTRACT_NAMES[result.contract]
    month = f"{result.delivery_month:%b %Y}"
    bond_text = f"{result.coupon_pct:g}% {result.maturity}"
    title = f"Basis: {result.contract} {month} vs {bond_text}"
    irr = result.implied_repo_pct
    headline = f"Implied repo {percent(irr)}"
    if sofr is not None:
        headline += f", {signed_bp((irr - sofr) * 100)} vs SOFR {percent(sofr)}"
    if result.net_basis_32nds is not None:
        headline += f"; net basis {thirty_seconds(result.net_basis_32nds)}"
    headline += "."
    repo_label = "your repo" if repo_given else "SOFR"
    lines = [
        f"• Conversion factor *{result.conversion_factor:.4f}* (CME formula, {name}, delivery month {month})",
        f"• Futures {calc.format_32nds(result.futures_price)} ({result.futures_price:.6f}) × factor = "
        f"{result.futures_price * result.conversion_factor:.4f}; bond {calc.format_32nds(result.bond_price)} "
        f"({result.bond_price:.6f})",
        f"• Gross basis *{thirty_seconds(result.gross_basis_32nds)}*",
    ]
    if result.carry_32nds is not None and result.repo_pct is not None:
        lines.append(
            f"• Carry to {result.delivery} ({result.days} days at {repo_label} {percent(result.repo_pct)}, act/360): "
            f"{thirty_seconds(result.carry_32nds)}"
        )
        lines.append(f"• Net basis *{thirty_seconds(result.net_basis_32nds)}* (gross − carry)")
    else:
        lines.append("• Carry and net basis need a repo rate: add `repo=4.30` (no SOFR in the data near this date)")
    lines.append(
        f"• Implied repo *{percent(irr)}* (act/360): buy the bond at {result.bond_price + result.accrued_settle:.4f} "
        f"with accrued, deliver at invoice {result.invoice_price:.4f}"
        + (f" plus the {result.interim_coupon:g} coupon" if result.interim_coupon else "")
    )
    low_high = DELIVERABLE_MONTHS.get(result.contract)
    if low_high is not None:
        first = result.delivery_month
        months = (result.maturity.year - first.year) * 12 + result.maturity.month - first.month
        if not low_high[0] <= months <= low_high[1]:
            lines.append(
                f"• Note: a {months // 12}y{months % 12}m remaining term is outside {result.contract}'s deliverable "
                "range, so this bond cannot be delivered into this contract; the arithmetic is shown anyway."
            )
    context = (
        f"Settlement {result.settle} (next business day), delivery {result.delivery}; accrued act/act, "
        f"repo act/360; business days on the bond-market (SIFMA) calendar. "
        + (
            f"SOFR {percent(sofr)} for {sofr_day} (NY Fed)."
            if sofr is not None and sofr_day
            else "SOFR not known for this date."
        )
    )
    text, built = blocks.answer_blocks(title, headline, lines, context)
    return Reply(
        text=text,
        blocks=built,
    )
