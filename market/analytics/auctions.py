"""How an auction went against its own history: comparisons, tail, flags and a grade.

Pure functions over `AuctionRecord`s. The yardstick is the previous six
auctions of the same tenor (reopenings count with their original term;
$25m small-value test auctions never count).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from market.records import AuctionRecord

PRIOR_COUNT = 6
# How far from the prior average a metric must be to count for or against the auction.
BTC_MARGIN = 0.10
SHARE_MARGIN_PCT = 3.0
TAIL_MARGIN_BP = 1.0
MIN_PRIORS_TO_GRADE = 3


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
class Grade:
    """`strong`, `in line` or `weak`, and the reasons in plain words."""

    label: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """Everything a result message says about one auction."""

    record: AuctionRecord
    priors: tuple[AuctionRecord, ...]
    metrics: dict[str, Metric]
    wi_yield: float | None
    tail_bp: float | None
    flags: tuple[str, ...]
    grade: Grade


def series_of(history: Iterable[AuctionRecord], tenor: str) -> list[AuctionRecord]:
    """Completed, full-size auctions of `tenor`, oldest first."""
    chosen = [r for r in history if r.tenor == tenor and r.has_results and not r.is_small_value]
    return sorted(chosen, key=lambda record: record.auction_date)


def prior_auctions(
    history: Iterable[AuctionRecord], record: AuctionRecord, count: int = PRIOR_COUNT
) -> list[AuctionRecord]:
    """The `count` completed auctions of the same tenor before `record`, oldest first."""
    earlier = [r for r in series_of(history, record.tenor) if r.auction_date < record.auction_date]
    return earlier[-count:]


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


def flags(record: AuctionRecord, metrics: dict[str, Metric], tail: float | None, policy: AuctionPolicy) -> list[str]:
    """The warnings a desk wants in bold: heavy dealer takedown, record-low cover, a big tail."""
    raised = []
    dealer = metrics["dealer_pct"].value
    if dealer is not None and dealer >= policy.dealer_flag_pct:
        raised.append(
            f"Dealers took {dealer:.1f}% of competitive accepted (≥ {policy.dealer_flag_pct:g}%): a quasi-failure"
        )
    btc = metrics["bid_to_cover"]
    if btc.value is not None and btc.prior_low is not None and btc.prior_n >= MIN_PRIORS_TO_GRADE:
        if btc.value < btc.prior_low:
            raised.append(
                f"Bid-to-cover {btc.value:.2f}x is below the prior {btc.prior_n}'s minimum ({btc.prior_low:.2f}x)"
            )
    if tail is not None and tail >= policy.tail_flag_bp:
        raised.append(f"Tailed the when-issued by {tail:.1f} bp (≥ {policy.tail_flag_bp:g} bp)")
    return raised


def grade(metrics: dict[str, Metric], tail: float | None, raised: list[str]) -> Grade:
    """Strong / in line / weak from cover, dealer and indirect shares, and the tail if known.

    Each metric counts +1 (better than the prior average by a margin), −1
    (worse) or 0; a flag makes the auction weak whatever the score.
    """
    btc, dealer, indirect = metrics["bid_to_cover"], metrics["dealer_pct"], metrics["indirect_pct"]
    if btc.prior_n < MIN_PRIORS_TO_GRADE:
        return Grade("not graded", (f"only {btc.prior_n} earlier auctions of this tenor to compare with",))
    score = 0
    reasons: list[str] = []

    def judge(diff: float | None, margin: float, better: str, worse: str, higher_is_better: bool) -> None:
        nonlocal score
        if diff is None:
            return
        signed = diff if higher_is_better else -diff
        if signed >= margin:
            score += 1
            reasons.append(better)
        elif signed <= -margin:
            score -= 1
            reasons.append(worse)

    if btc.vs_mean is not None and btc.prior_mean is not None:
        text = f"{btc.value:.2f}x vs {btc.prior_mean:.2f}x average"
        judge(
            btc.vs_mean,
            BTC_MARGIN,
            f"bid-to-cover above average ({text})",
            f"bid-to-cover below average ({text})",
            True,
        )
    if dealer.vs_mean is not None and dealer.prior_mean is not None:
        text = f"{dealer.value:.1f}% vs {dealer.prior_mean:.1f}% average"
        judge(dealer.vs_mean, SHARE_MARGIN_PCT, f"dealers took less ({text})", f"dealers took more ({text})", False)
    if indirect.vs_mean is not None and indirect.prior_mean is not None:
        text = f"{indirect.value:.1f}% vs {indirect.prior_mean:.1f}% average"
        judge(
            indirect.vs_mean, SHARE_MARGIN_PCT, f"indirects took more ({text})", f"indirects took less ({text})", True
        )
    if tail is not None:
        if tail <= -TAIL_MARGIN_BP:
            score += 2 if tail <= -2 * TAIL_MARGIN_BP else 1
            reasons.append(f"stopped through the when-issued by {-tail:.1f} bp")
        elif tail >= TAIL_MARGIN_BP:
            score -= 2 if tail >= 2 * TAIL_MARGIN_BP else 1
            reasons.append(f"tailed the when-issued by {tail:.1f} bp")
    if raised:
        summary = f"{len(raised)} flag{'s' if len(raised) > 1 else ''} raised"
        return Grade("weak", (summary, *reasons))
    if score >= 2:
        return Grade("strong", tuple(reasons))
    if score <= -2:
        return Grade("weak", tuple(reasons))
    return Grade("in line", tuple(reasons) or ("cover and bidder shares close to the prior average",))


def assess(
    record: AuctionRecord,
    history: Iterable[AuctionRecord],
    policy: AuctionPolicy = DEFAULT_POLICY,
    wi_yield: float | None = None,
) -> Assessment:
    """The comparison, tail, flags and grade for `record` against its own history."""
    priors = prior_auctions(history, record, policy.prior_count)
    metrics = compare(record, priors)
    tail = tail_bp(record, wi_yield)
    raised = flags(record, metrics, tail, policy)
    return Assessment(
        record=record,
        priors=tuple(priors),
        metrics=metrics,
        wi_yield=wi_yield,
        tail_bp=tail,
        flags=tuple(raised),
        grade=grade(metrics, tail, raised),
    )
