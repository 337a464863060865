"""When each dataset's observation became public, in New York time: the one point-in-time rule.

Every reader (commands, briefings, summaries, alerts, the gauge, replays) asks this
module rather than its own idea of a lag, so an answer as of 09:00 shows the SOFR
published at 08:00 and not the one published tomorrow. The times are the
publishers' own (see `RULES` and the README's table); where a publisher gives a
window, the end of it is used, so nothing is shown early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from market.calendar import CURVE_PUBLISHED_BY, business_days_after, is_business_day
from market.tz import DESK_TZ


class Dataset(StrEnum):
    PAR_CURVE = "Treasury par yield curve"
    SOFR = "SOFR"
    TGCR = "TGCR"
    BGCR = "BGCR"
    EFFR = "EFFR"
    OBFR = "OBFR"
    ON_RRP = "ON RRP results"
    REPO_OPERATIONS = "repo operations (SRF) results"
    CFTC_TFF = "CFTC Traders in Financial Futures"
    AUCTION_RESULTS = "auction results"
    POLICY_RATES = "IORB/IOER and the fed funds target range"
    DESK_FEED = "desk feed"
    WI_FEED = "when-issued feed"
    PRIMARY_DEALERS = "primary dealer statistics (FR 2004)"
    OFR_REPO = "OFR repo rates and volumes (DVP, GCF, tri-party)"


@dataclass(frozen=True)
class Rule:
    """How one dataset is released: in words, and the publisher's page that says so."""

    released: str
    source: str


RULES: dict[Dataset, Rule] = {
    Dataset.PAR_CURVE: Rule(
        "the same business day, by 18:00 ET (quotes taken near 15:30 ET; posted in the evening)",
        "https://home.treasury.gov/policy-issues/financing-the-government/interest-rate-statistics",
    ),
    Dataset.SOFR: Rule(
        "the next business day at about 08:00 ET", "https://www.newyorkfed.org/markets/reference-rates/sofr"
    ),
    Dataset.TGCR: Rule(
        "the next business day at about 08:00 ET", "https://www.newyorkfed.org/markets/reference-rates/tgcr"
    ),
    Dataset.BGCR: Rule(
        "the next business day at about 08:00 ET", "https://www.newyorkfed.org/markets/reference-rates/bgcr"
    ),
    Dataset.EFFR: Rule(
        "the next business day at about 09:00 ET", "https://www.newyorkfed.org/markets/reference-rates/effr"
    ),
    Dataset.OBFR: Rule(
        "the next business day at about 09:00 ET", "https://www.newyorkfed.org/markets/reference-rates/obfr"
    ),
    Dataset.ON_RRP: Rule(
        "the same day, after the 12:45-13:15 ET operation closes: 13:30 ET",
        "https://www.newyorkfed.org/markets/desk-operations/reverse-repo",
    ),
    Dataset.REPO_OPERATIONS: Rule(
        "a day's total once its last operation (closing 13:45 ET) has printed: 14:00 ET",
        "https://www.newyorkfed.org/markets/desk-operations/repo",
    ),
    Dataset.CFTC_TFF: Rule(
        "Tuesday's positions on Friday at 15:30 ET; a federal holiday in the week moves the release to the next"
        " business day",
        "https://www.cftc.gov/MarketReports/CommitmentsofTraders/ReleaseSchedule/index.htm",
    ),
    Dataset.AUCTION_RESULTS: Rule(
        "the competitive close (in the data) plus 5 minutes (results post within minutes)",
        "https://www.treasurydirect.gov/auctions/announcements-data-results/",
    ),
    Dataset.POLICY_RATES: Rule(
        "from the effective date (announced the day before, at the FOMC statement)",
        "https://www.federalreserve.gov/monetarypolicy/openmarket.htm",
    ),
    Dataset.DESK_FEED: Rule("each row at its own `as_of` time (the end of its date when it has none)", "the desk"),
    Dataset.WI_FEED: Rule("each quote at its own `as_of` time", "the desk"),
    Dataset.PRIMARY_DEALERS: Rule(
        "a Wednesday's positions and financing on the Thursday of the following week at 16:15 ET (8 days"
        " later); a holiday on that Thursday moves it to the next business day",
        "https://www.newyorkfed.org/markets/counterparties/primary-dealers-statistics",
    ),
    Dataset.OFR_REPO: Rule(
        "two business days after the trade date at 15:00 ET (tri-party's lag; DVP and GCF come a business day"
        " sooner and are shown with tri-party's day)",
        "https://www.financialresearch.gov/data/us-repo-data/",
    ),
}

CURVE_AT = CURVE_PUBLISHED_BY  # the staleness check and the point-in-time rule read one time
SECURED_RATES_AT = time(8, 0)
UNSECURED_RATES_AT = time(9, 0)
ON_RRP_AT = time(13, 30)
REPO_DAY_AT = time(14, 0)
CFTC_AT = time(15, 30)
AUCTION_RESULT_DELAY = timedelta(minutes=5)
PRIMARY_DEALERS_AT = time(16, 15)
OFR_REPO_AT = time(15, 0)
OFR_REPO_LAG_DAYS = 2
_NEXT_MORNING = {
    Dataset.SOFR: SECURED_RATES_AT,
    Dataset.TGCR: SECURED_RATES_AT,
    Dataset.BGCR: SECURED_RATES_AT,
    Dataset.EFFR: UNSECURED_RATES_AT,
    Dataset.OBFR: UNSECURED_RATES_AT,
}


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=DESK_TZ)


def published_at(dataset: Dataset, observed: date, close_time: time | None = None) -> datetime:
    """When the observation of `observed` became public (New York time).

    `close_time` is an auction's own competitive close, from its record.
    The desk and WI feeds carry their own `as_of`; without one a row counts from the end of its date.
    """
    if dataset in _NEXT_MORNING:
        return _at(business_days_after(observed, 1), _NEXT_MORNING[dataset])
    if dataset is Dataset.PAR_CURVE:
        return _at(observed, CURVE_AT)
    if dataset is Dataset.ON_RRP:
        return _at(observed, ON_RRP_AT)
    if dataset is Dataset.REPO_OPERATIONS:
        return _at(observed, REPO_DAY_AT)
    if dataset is Dataset.AUCTION_RESULTS:
        return _at(observed, close_time or time(13, 0)) + AUCTION_RESULT_DELAY
    if dataset is Dataset.CFTC_TFF:
        return _at(cftc_release_day(observed), CFTC_AT)
    if dataset is Dataset.POLICY_RATES:
        return _at(observed, time(0, 0))
    if dataset is Dataset.PRIMARY_DEALERS:
        return _at(dealer_release_day(observed), PRIMARY_DEALERS_AT)
    if dataset is Dataset.OFR_REPO:
        return _at(business_days_after(observed, OFR_REPO_LAG_DAYS), OFR_REPO_AT)
    return _at(observed, time(23, 59))  # a feed row without its own as_of


def cftc_release_day(report: date) -> date:
    """The Friday after a Tuesday report; in a week with a holiday, the next business day after that Friday.

    The CFTC moves a holiday week's release to the following Monday (Thanksgiving,
    Independence Day); deferring every holiday week is never early (Good Friday,
    a bond-market holiday only, defers too).
    """
    friday = report + timedelta(days=(4 - report.weekday()) % 7)
    week = (friday - timedelta(days=offset) for offset in range(5))
    if all(is_business_day(day) for day in week):
        return friday
    return business_days_after(friday, 1)


def dealer_release_day(observed: date) -> date:
    """The Thursday 8 days after the as-of Wednesday of the FR 2004 week holding `observed`.

    A day after Wednesday belongs to the next week's report. The NY Fed's release
    "For week ended September 15, 2021" came out Thursday 23 September at 4:15 pm; a
    holiday Thursday (Thanksgiving) is taken as the next business day, which is never early.
    """
    wednesday = observed + timedelta(days=(2 - observed.weekday()) % 7)
    thursday = wednesday + timedelta(days=8)
    return thursday if is_business_day(thursday) else business_days_after(thursday, 1)


def day_complete_at(day: date) -> datetime:
    """When everything observed on `day` has been published (the next business day's 09:00 ET fixings).

    Weekly data (CFTC) keeps its own lag: a Tuesday report is still read from its Friday.
    """
    return _at(business_days_after(day, 1), UNSECURED_RATES_AT)


@dataclass(frozen=True)
class PointInTime:
    """A moment on the desk's clock, optionally capped at a day's close (`--as-of DATE`).

    `now` decides what was public; `close_of` (a bare date asked for) also hides anything
    observed after that day.
    """

    now: datetime
    close_of: date | None = None

    @classmethod
    def close(cls, day: date, now: datetime) -> PointInTime:
        """After `day`'s close with everything for it out, but never past `now`."""
        return cls(min(now, day_complete_at(day)), day)

    def sees(self, dataset: Dataset, observed: date, close_time: time | None = None) -> bool:
        """True when the observation of `observed` was public at this point."""
        if self.close_of is not None and observed > self.close_of:
            return False
        return published_at(dataset, observed, close_time) <= self.now

    def latest_day(self, dataset: Dataset) -> date:
        """The newest observation date of `dataset` that can be public at this point (an upper bound)."""
        day = self.close_of or self.now.astimezone(DESK_TZ).date()
        for _ in range(15):
            if self.sees(dataset, day):
                return day
            day -= timedelta(days=1)
        return day

    def describe(self) -> str:
        """`as of 2025-04-10 09:00 ET`, or `as of the 2025-04-09 close` for a day asked for."""
        if self.close_of is not None and self.now >= day_complete_at(self.close_of):
            return (
                f"as of the {self.close_of.isoformat()} close (all of that day's data, some published the next morning)"
            )
        return f"as of {self.now.astimezone(DESK_TZ):%Y-%m-%d %H:%M} ET"
