"""How an auction went against its own history: comparisons, tail, flags, records and a grade.

Pure functions over `AuctionRecord`s. The yardstick is the previous six
auctions of the same tenor (reopenings count with their original term;
$25m small-value test auctions never count), so FRNs, TIPS and bills are
judged against their own kind. Records are over the tenor's whole shipped
history before the auction, and say from when that history runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from market.records import AuctionRecord, Kind, describe_tenor

PRIOR_COUNT = 6
# How far from the prior average a metric must be to count for or against the auction.
BTC_MARGIN = 0.10
SHARE_MARGIN_PCT = 3.0
TAIL_MARGIN_BP = 1.0
MIN_PRIORS_TO_GRADE = 3
# A record needs this many earlier auctions of the tenor with the figure ("highest in 3" is no record).
MIN_RECORD_HISTORY = 12
# The dealer line is a failure line only for a kind whose dealers seldom reach it: when they reached
# it in at least this many of the tenor's last `DEALER_LOOKBACK` auctions, the kind runs high.
DEALER_LOOKBACK = 24
DEALER_RUNS_HIGH_COUNT = 3
# Score cut-offs: strong at or above, soft at or below, weak at or below (see `grade`).
STRONG_SCORE = 3.0
SOFT_SCORE = -1.5
WEAK_SCORE = -3.5
# With bid-to-cover the only figure to compare (no bidder shares, no tail: most bill reopenings in the
# shipped history), strong and soft need it outside the prior range, and one figure never makes it weak.
COVER_ONLY_STRONG = 2.0
COVER_ONLY_SOFT = -2.0
BIDDER_SHARES = ("dealer_pct", "indirect_pct", "direct_pct")


@dataclass(frozen=True)
class AuctionPolicy:
    """The desk's thresholds (configurable in `bot.config`)."""

    dealer_flag_pct: float = 40.0
    tail_flag_bp: float = 2.0
    prior_count: int = PRIOR_COUNT
    # The result flash: poll this often from the close, give up this long after it.
    flash_poll_seconds: float = 1.0
    flash_timeout_minutes: float = 30.0


DEFAULT_POLICY = AuctionPolicy()


@dataclass(frozen=True)
class Metric:
    """One figure of an auction with the average and range of the prior auctions."""

    name: str
    value: float | None
    prior_mean: float | None
    prior_low: float | None
    prior_high: float | None
    prior_n: int

    @property
    def vs_mean(self) -> float | None:
        if self.value is None or self.prior_mean is None:
            return None
        return self.value - self.prior_mean


@dataclass(frozen=True)
class Judged:
    """How one metric is read: its words, which way is better, its margin, weight and display precision."""

    label: str
    higher_is_better: bool
    margin: float
    weight: float
    digits: int
    unit: str
    better: str
    worse: str


# Directs weigh half: the three bidder shares add up to 100, and directs (the smallest class) swing
# with how buyers route their bids, so a low direct share beside a record indirect one is no weakness.
JUDGED: dict[str, Judged] = {
    "high_minus_median_bp": Judged(
        "high − median", False, TAIL_MARGIN_BP, 1.0, 1, " bp", "high − median narrower", "high − median wider"
    ),
    "bid_to_cover": Judged(
        "bid-to-cover", True, BTC_MARGIN, 1.0, 2, "x", "bid-to-cover above average", "bid-to-cover below average"
    ),
    "dealer_pct": Judged("dealers", False, SHARE_MARGIN_PCT, 1.0, 1, "%", "dealers took less", "dealers took more"),
    "indirect_pct": Judged(
        "indirects", True, SHARE_MARGIN_PCT, 1.0, 1, "%", "indirects took more", "indirects took less"
    ),
    "direct_pct": Judged("directs", True, SHARE_MARGIN_PCT, 0.5, 1, "%", "directs took more", "directs took less"),
}
RECORD_WORDS = {
    "bid_to_cover": ("highest bid-to-cover", "lowest bid-to-cover"),
    "dealer_pct": ("highest dealer share", "lowest dealer share"),
    "indirect_pct": ("highest indirect share", "lowest indirect share"),
    "direct_pct": ("highest direct share", "lowest direct share"),
    "high_minus_median_bp": ("widest high − median", "narrowest high − median"),
}


@dataclass(frozen=True)
class Grade:
    """`strong`, `in line`, `soft` or `weak` (or `not graded`), the score and the reasons in plain words."""

    label: str
    reasons: tuple[str, ...]
    score: float | None = None


@dataclass(frozen=True)
class Assessment:
    """Everything a result message says about one auction.

    `flags` are the warnings (a heavy dealer takedown, a tail at the flag line, any metric outside
    the prior range on the weak side); `standouts` are metrics outside the prior range on the strong
    side; `records` are highs and lows over the tenor's shipped history.
    """

    record: AuctionRecord
    priors: tuple[AuctionRecord, ...]
    metrics: dict[str, Metric]
    wi_yield: float | None
    tail_bp: float | None
    flags: tuple[str, ...]
    grade: Grade
    standouts: tuple[str, ...] = ()
    records: tuple[str, ...] = ()


def series_of(history: Iterable[AuctionRecord], tenor: str) -> list[AuctionRecord]:
    """Completed, full-size auctions of `tenor`, oldest first."""
    chosen = [r for r in history if r.tenor == tenor and r.has_results and not r.is_small_value]
    return sorted(chosen, key=lambda record: record.auction_date)


def prior_auctions(
    history: Iterable[AuctionRecord], record: AuctionRecord, count: int = PRIOR_COUNT
) -> list[AuctionRecord]:
    """The `count` completed auctions of the same tenor before `record`, oldest first."""
    return earlier_auctions(history, record)[-count:]


def earlier_auctions(history: Iterable[AuctionRecord], record: AuctionRecord) -> list[AuctionRecord]:
    """Every completed auction of the same tenor before `record`, oldest first."""
    return [r for r in series_of(history, record.tenor) if r.auction_date < record.auction_date]


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


METRIC_GETTERS: dict[str, Callable[[AuctionRecord], float | None]] = {
    "bid_to_cover": lambda r: _float(r.bid_to_cover),
    "dealer_pct": lambda r: r.dealer_pct,
    "direct_pct": lambda r: r.direct_pct,
    "indirect_pct": lambda r: r.indirect_pct,
    "high_minus_median_bp": lambda r: r.high_minus_median_bp,
    "stop": lambda r: _float(r.stop),
}


def compare(record: AuctionRecord, priors: Iterable[AuctionRecord]) -> dict[str, Metric]:
    """Each metric of `record` against the average and range of `priors` (where they have it)."""
    priors = list(priors)
    metrics = {}
    for name, getter in METRIC_GETTERS.items():
        known = [value for value in (getter(prior) for prior in priors) if value is not None]
        metrics[name] = Metric(
            name=name,
            value=getter(record),
            prior_mean=statistics.fmean(known) if known else None,
            prior_low=min(known) if known else None,
            prior_high=max(known) if known else None,
            prior_n=len(known),
        )
    return metrics


def tail_bp(record: AuctionRecord, wi_yield: float | None) -> float | None:
    """High yield − when-issued yield in bp (positive = tailed, negative = stopped through)."""
    if wi_yield is None or record.high_yield is None:
        return None
    return round((float(record.high_yield) - wi_yield) * 100, 1)


def fmt(value: float, judged: Judged) -> str:
    """A figure as the desk quotes it: 2.47x, 20.7%, +9.5 bp."""
    if judged.unit == " bp":
        return f"{value:+.{judged.digits}f} bp".replace("-", "−")
    return f"{value:.{judged.digits}f}{judged.unit}"


def fmt_range(low: float, high: float, judged: Judged) -> str:
    if judged.unit == " bp":
        return f"{fmt(low, judged)} to {fmt(high, judged)}"
    return f"{low:.{judged.digits}f}–{high:.{judged.digits}f}{judged.unit}"


def prior_words(n: int) -> str:
    return "the prior six's" if n == 6 else f"the prior {n}'s"


def outside_range(metric: Metric, judged: Judged) -> int:
    """+1 above the prior range, −1 below it, 0 inside (compared at the precision shown)."""
    if metric.value is None or metric.prior_low is None or metric.prior_high is None:
        return 0
    if metric.prior_n < MIN_PRIORS_TO_GRADE:
        return 0
    value = round(metric.value, judged.digits)
    if value > round(metric.prior_high, judged.digits):
        return 1
    if value < round(metric.prior_low, judged.digits):
        return -1
    return 0


def range_text(metric: Metric, judged: Judged, side: int) -> str:
    """`dealers 20.7%, above the prior six's range 10.2–19.8%`."""
    assert metric.value is not None and metric.prior_low is not None and metric.prior_high is not None
    where = "above" if side > 0 else "below"
    span = fmt_range(metric.prior_low, metric.prior_high, judged)
    return f"{judged.label} {fmt(metric.value, judged)}, {where} {prior_words(metric.prior_n)} range {span}"


def dealer_line_is_routine(record: AuctionRecord, earlier: list[AuctionRecord], policy: AuctionPolicy) -> int:
    """How many of the tenor's last `DEALER_LOOKBACK` auctions had dealers at or above the flag line."""
    recent = [r.dealer_pct for r in earlier if r.dealer_pct is not None][-DEALER_LOOKBACK:]
    return sum(1 for pct in recent if pct >= policy.dealer_flag_pct)


def dealer_flag(
    record: AuctionRecord, metric: Metric, earlier: list[AuctionRecord], policy: AuctionPolicy
) -> tuple[str, bool] | None:
    """The dealer-takedown flag and whether it is a failure for this kind, or None below the line."""
    dealer = metric.value
    if dealer is None or dealer < policy.dealer_flag_pct:
        return None
    text = f"Dealers took {dealer:.1f}% of competitive accepted (≥ {policy.dealer_flag_pct:g}%)"
    if outside_range(metric, JUDGED["dealer_pct"]) > 0:
        assert metric.prior_low is not None and metric.prior_high is not None
        span = fmt_range(metric.prior_low, metric.prior_high, JUDGED["dealer_pct"])
        text += f", above {prior_words(metric.prior_n)} range {span}"
    reached = dealer_line_is_routine(record, earlier, policy)
    lookback = min(DEALER_LOOKBACK, len([r for r in earlier if r.dealer_pct is not None]))
    if reached >= DEALER_RUNS_HIGH_COUNT:
        name = describe_tenor(record.tenor)
        return (
            f"{text}: heavy, but no failure for a {name}, whose dealers took ≥ {policy.dealer_flag_pct:g}% "
            f"in {reached} of its previous {lookback} auctions",
            False,
        )
    return f"{text}: a quasi-failure", True


def records_set(record: AuctionRecord, metrics: dict[str, Metric], earlier: list[AuctionRecord]) -> list[str]:
    """Highs and lows over the tenor's shipped history before `record`, with the honest start date."""
    found = []
    name = describe_tenor(record.tenor)
    for key, (high_words, low_words) in RECORD_WORDS.items():
        value = metrics[key].value
        if value is None:
            continue
        judged = JUDGED[key]
        known = [(r.auction_date, v) for r in earlier if (v := METRIC_GETTERS[key](r)) is not None]
        if len(known) < MIN_RECORD_HISTORY:
            continue
        since: date = known[0][0]
        shown = round(value, judged.digits)
        top_day, top = max(known, key=lambda item: (item[1], item[0]))
        low_day, low = min(known, key=lambda item: (item[1], -item[0].toordinal()))
        if shown > round(top, judged.digits):
            words, before, day = high_words, top, top_day
        elif shown < round(low, judged.digits):
            words, before, day = low_words, low, low_day
        else:
            continue
        found.append(
            f"{words} for a {name} since at least {since.isoformat()} ({fmt(value, judged)}; "
            f"previous record {fmt(before, judged)} on {day.isoformat()})"
        )
    return found


def grade(
    metrics: dict[str, Metric],
    tail: float | None,
    raised: list[str],
) -> Grade:
    """Strong / in line / soft / weak from the tail, cover and the three bidder shares.

    Each metric scores its weight (1; directs ½) when it is better than the prior average by its
    margin, minus its weight when worse, and its weight again, with the same sign, when it is
    outside the prior range. The tail vs WI scores ±1 beyond `TAIL_MARGIN_BP` and ±2 beyond twice
    that (it has no prior range); high − median is shown and flagged outside its range, not scored
    (on a volatile day every auction's bids spread out).
    Strong at +3 or more, soft at −1.5 or less (two metrics worse than average, or one outside its
    range on the weak side), weak at −3.5 or less; `raised` (a tail at the flag line,
    dealers at the line where that is a failure for the kind) makes it weak whatever the score.
    Graded on bid-to-cover alone, strong and soft need it outside the prior range (±2).
    """
    btc = metrics["bid_to_cover"]
    if btc.prior_n < MIN_PRIORS_TO_GRADE:
        return Grade("not graded", (f"only {btc.prior_n} earlier auctions of this tenor to compare with",))
    score = 0.0
    reasons: list[str] = []
    for key, judged in JUDGED.items():
        metric = metrics[key]
        if key == "high_minus_median_bp":
            continue  # shown and flagged, not scored: it is how spread the bids were, not a tail against the market
        if metric.vs_mean is None or metric.prior_mean is None or metric.value is None:
            continue
        signed = metric.vs_mean if judged.higher_is_better else -metric.vs_mean
        side = outside_range(metric, judged)
        outside = side if judged.higher_is_better else -side
        text = f"{fmt(metric.value, judged)} vs {fmt(metric.prior_mean, judged)} average"
        if outside:
            text += f", {'above' if side > 0 else 'below'} the prior range"
        if round(signed, judged.digits) >= judged.margin:
            score += judged.weight * (1 + (outside > 0))
            reasons.append(f"{judged.better} ({text})")
        elif round(signed, judged.digits) <= -judged.margin:
            score -= judged.weight * (1 + (outside < 0))
            reasons.append(f"{judged.worse} ({text})")
        elif outside:
            score += judged.weight * outside
            reasons.append(f"{judged.label} close to average but outside the prior range ({text})")
    if tail is not None:
        if tail <= -TAIL_MARGIN_BP:
            score += 2 if tail <= -2 * TAIL_MARGIN_BP else 1
            reasons.append(f"stopped through the when-issued by {-tail:.1f} bp")
        elif tail >= TAIL_MARGIN_BP:
            score -= 2 if tail >= 2 * TAIL_MARGIN_BP else 1
            reasons.append(f"tailed the when-issued by {tail:.1f} bp")
    if raised:
        return Grade("weak", (*raised, *reasons), score)
    if tail is None and not any(metrics[key].vs_mean is not None for key in BIDDER_SHARES):
        return cover_only_grade(score, reasons)
    if score >= STRONG_SCORE:
        return Grade("strong", tuple(reasons), score)
    if score <= WEAK_SCORE:
        return Grade("weak", tuple(reasons), score)
    if score <= SOFT_SCORE:
        return Grade("soft", tuple(reasons), score)
    return Grade("in line", tuple(reasons) or ("cover and bidder shares close to the prior average",), score)


def cover_only_grade(score: float, reasons: list[str]) -> Grade:
    """The grade when bid-to-cover is all there is to compare: one figure can say strong or soft, not weak."""
    said = (
        *(reasons or ["bid-to-cover close to the prior average"]),
        "graded on bid-to-cover alone (no bidder shares to compare with)",
    )
    if score >= COVER_ONLY_STRONG:
        return Grade("strong", said, score)
    if score <= COVER_ONLY_SOFT:
        return Grade("soft", said, score)
    return Grade("in line", said, score)


def flags(
    record: AuctionRecord,
    metrics: dict[str, Metric],
    tail: float | None,
    policy: AuctionPolicy,
    earlier: list[AuctionRecord] | None = None,
) -> tuple[list[str], list[str], list[str]]:
    """The warnings, the strong-side standouts, and why the auction is weak whatever its score.

    Warnings: dealers at or above the policy line (a quasi-failure only where the kind seldom
    reaches it), a tail vs WI at or above the tail line, and every metric outside the prior range
    on the weak side. Standouts: metrics outside the prior range on the strong side.
    Bills are judged only against their prior auctions: dealers take about 40% of a bill auction
    (median of the original issues 2019-2025; 24-62% in nine of ten), so the coupon line says nothing there.
    """
    earlier = earlier or []
    warnings: list[str] = []
    standouts: list[str] = []
    hard: list[str] = []
    is_bill = record.kind in (Kind.BILL, Kind.CMB)
    dealer = None if is_bill else dealer_flag(record, metrics["dealer_pct"], earlier, policy)
    if dealer is not None:
        warnings.append(dealer[0])
        if dealer[1]:
            hard.append(f"dealers took ≥ {policy.dealer_flag_pct:g}%, a quasi-failure")
    for key, judged in JUDGED.items():
        if key == "dealer_pct" and dealer is not None:
            continue  # said in the dealer flag, with the range
        metric = metrics[key]
        side = outside_range(metric, judged)
        if not side:
            continue
        text = range_text(metric, judged, side)
        text = text[0].upper() + text[1:]
        good = (side > 0) == judged.higher_is_better
        (standouts if good else warnings).append(text)
    if tail is not None and tail >= policy.tail_flag_bp:
        text = f"Tailed the when-issued by {tail:.1f} bp (≥ {policy.tail_flag_bp:g} bp)"
        warnings.append(text)
        hard.append(f"a tail at or beyond the {policy.tail_flag_bp:g} bp flag line")
    return warnings, standouts, hard


def assess(
    record: AuctionRecord,
    history: Iterable[AuctionRecord],
    policy: AuctionPolicy = DEFAULT_POLICY,
    wi_yield: float | None = None,
) -> Assessment:
    """The comparison, tail, flags, records and grade for `record` against its own history."""
    earlier = earlier_auctions(history, record)
    priors = earlier[-policy.prior_count :]
    metrics = compare(record, priors)
    tail = tail_bp(record, wi_yield)
    warnings, standouts, hard = flags(record, metrics, tail, policy, earlier)
    return Assessment(
        record=record,
        priors=tuple(priors),
        metrics=metrics,
        wi_yield=wi_yield,
        tail_bp=tail,
        flags=tuple(warnings),
        grade=grade(metrics, tail, hard),
        standouts=tuple(standouts),
        records=tuple(records_set(record, metrics, earlier)),
    )
