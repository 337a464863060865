"""One auction as deskbot sees it, whichever source described it.

Both TreasuryDirect and Fiscal Data map onto `AuctionRecord`, so the shipped
history, fetched results and the calendar share one shape and one notion
of a "tenor" (the series an auction is compared with).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, time
from decimal import Decimal
from functools import cached_property
from typing import Any

# Offerings this small are the Treasury's operational tests, not market auctions.
SMALL_VALUE_MAX = Decimal("100000000")

COUPON_YEARS = (2, 3, 5, 7, 10, 20, 30)
TIPS_YEARS = (5, 10, 20, 30)
FRN_YEARS = (2,)

# The desk's usual competitive close when a record does not carry it.
COUPON_CLOSE = time(13, 0)
BILL_CLOSE = time(11, 30)

_TERM_PART = re.compile(r"(\d+)\s*-?\s*(year|month|week|day)s?", re.IGNORECASE)


class Kind:
    """What sort of security was auctioned."""

    NOMINAL = "NOMINAL"
    TIPS = "TIPS"
    FRN = "FRN"
    BILL = "BILL"
    CMB = "CMB"


@dataclass(frozen=True)
class AuctionRecord:
    """An announced or completed auction; result fields are None until results post."""

    cusip: str
    auction_date: date
    kind: str
    security_type: str
    security_term: str
    source: str
    original_term: str | None = None
    reopening: bool | None = None
    announcement_date: date | None = None
    issue_date: date | None = None
    maturity_date: date | None = None
    closing_time: time | None = None
    offering_amt: Decimal | None = None
    high_yield: Decimal | None = None
    median_yield: Decimal | None = None
    low_yield: Decimal | None = None
    high_discount_rate: Decimal | None = None
    high_investment_rate: Decimal | None = None
    median_discount_rate: Decimal | None = None
    high_discount_margin: Decimal | None = None
    coupon: Decimal | None = None
    bid_to_cover: Decimal | None = None
    comp_accepted: Decimal | None = None
    dealer_accepted: Decimal | None = None
    direct_accepted: Decimal | None = None
    indirect_accepted: Decimal | None = None
    total_accepted: Decimal | None = None
    soma_accepted: Decimal | None = None
    # Where the median came from when another source filled it in (shipped medians of Fiscal Data records).
    median_source: str | None = None

    @property
    def key(self) -> str:
        """A CUSIP is auctioned many times (reopenings), so the date is part of the key."""
        return f"{self.cusip}/{self.auction_date.isoformat()}"

    @cached_property
    def tenor(self) -> str:
        """The series this auction is compared with, e.g. `10y`, `tips5y`, `frn`, `13w`.

        Worked out once per record: every history lookup filters thousands of records by it.
        """
        return tenor_of(self.kind, self.security_term)

    @property
    def has_results(self) -> bool:
        """Result fields stay empty until results post; bid-to-cover is in every result we know.

        (The Fiscal Data extract has no discount margin for FRNs, so the stop is not required.)
        """
        return self.bid_to_cover is not None

    @property
    def stop(self) -> Decimal | None:
        """The clearing level: high yield, a bill's investment rate, an FRN's discount margin."""
        if self.kind == Kind.FRN:
            return self.high_discount_margin
        if self.kind in (Kind.BILL, Kind.CMB):
            return self.high_investment_rate
        return self.high_yield

    @property
    def is_small_value(self) -> bool:
        """A $25m test auction: never a yardstick for the next one."""
        return self.offering_amt is not None and self.offering_amt <= SMALL_VALUE_MAX

    @property
    def close_time(self) -> time:
        """Competitive close (ET): from the data, else the usual time for the kind."""
        if self.closing_time is not None:
            return self.closing_time
        return BILL_CLOSE if self.kind in (Kind.BILL, Kind.CMB, Kind.FRN) else COUPON_CLOSE

    def share(self, accepted: Decimal | None) -> float | None:
        """A bidder class's % of competitive accepted (the convention for auction shares)."""
        if accepted is None or not self.comp_accepted:
            return None
        return float(accepted / self.comp_accepted * 100)

    @property
    def dealer_pct(self) -> float | None:
        return self.share(self.dealer_accepted)

    @property
    def direct_pct(self) -> float | None:
        return self.share(self.direct_accepted)

    @property
    def indirect_pct(self) -> float | None:
        return self.share(self.indirect_accepted)

    @property
    def high_minus_median_bp(self) -> float | None:
        """How far the stop was above the median bid: in yield, or in discount rate for a bill."""
        if self.kind in (Kind.BILL, Kind.CMB):
            high, median = self.high_discount_rate, self.median_discount_rate
        else:
            high, median = self.high_yield, self.median_yield
        if high is None or median is None:
            return None
        return float((high - median) * 100)

    def merged_over(self, other: AuctionRecord) -> AuctionRecord:
        """This record, with gaps filled from `other` (the same auction from another source)."""
        filled = {f.name: getattr(other, f.name) for f in fields(self) if getattr(self, f.name) is None}
        if self.median_yield is not None:
            filled.pop("median_source", None)  # this record's own median: its own source
        return replace(self, **filled) if filled else self

    def to_values(self) -> dict[str, Any]:
        """JSON-safe values for the record store (decimals as strings keep their digits)."""
        values: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            if isinstance(value, date | time):
                values[name] = value.isoformat()
            elif isinstance(value, Decimal):
                values[name] = str(value)
            else:
                values[name] = value
        return values

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> AuctionRecord:
        """The inverse of `to_values`."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in values:
                continue
            raw = values[f.name]
            kind = str(f.type)
            if "date" in kind and "time" not in kind:
                kwargs[f.name] = date.fromisoformat(raw)
            elif kind.startswith("time"):
                kwargs[f.name] = time.fromisoformat(raw)
            elif "Decimal" in kind:
                kwargs[f.name] = Decimal(raw)
            else:
                kwargs[f.name] = raw
        return cls(**kwargs)


def term_months(term: str) -> float | None:
    """`"9-Year 10-Month"` → 118, `"13-Week"` → 3.0, `"42-Day"` → 1.38; None if unreadable."""
    parts = _TERM_PART.findall(term or "")
    if not parts:
        return None
    per_unit = {"year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365}
    return sum(int(number) * per_unit[unit.lower()] for number, unit in parts)


def tenor_of(kind: str, security_term: str) -> str:
    """The series key for an auction of `kind` and this offering's term.

    Coupons go to the nearest standard term of what was auctioned, so a
    "9-Year 10-Month" reopening counts with the 10-year, while a new 5-year
    that reuses an old 7-year's CUSIP (original term "7-Year") counts with
    the 5-year. Bills are named by the term auctioned ("13-Week" → `13w`).
    """
    if kind in (Kind.BILL, Kind.CMB):
        prefix = "cmb" if kind == Kind.CMB else ""
        match = _TERM_PART.search(security_term or "")
        if match is None:
            return f"{prefix or 'bill'}?"
        number, unit = match.groups()
        return f"{prefix}{int(number)}{unit[0].lower()}"
    months = term_months(security_term)
    standard = {Kind.TIPS: TIPS_YEARS, Kind.FRN: FRN_YEARS}.get(kind, COUPON_YEARS)
    if months is None:
        return "?"
    years = min(standard, key=lambda candidate: abs(candidate * 12 - months))
    if kind == Kind.FRN:
        return "frn"
    return f"tips{years}y" if kind == Kind.TIPS else f"{years}y"


def describe_tenor(tenor: str) -> str:
    """How a desk names the series: `10y` → "10-year", `tips5y` → "5-year TIPS", `13w` → "13-week bill"."""
    if tenor == "frn":
        return "2-year FRN"
    if tenor.startswith("tips"):
        return f"{tenor[4:-1]}-year TIPS"
    if tenor.startswith("cmb"):
        number, unit = tenor[3:-1], tenor[-1]
        return f"{number}-{'week' if unit == 'w' else 'day'} CMB"
    if tenor.endswith("w"):
        return f"{tenor[:-1]}-week bill"
    if tenor.endswith("y"):
        return f"{tenor[:-1]}-year"
    return tenor


class AuctionFormatError(ValueError):
    """A payload that is not an auction layout we know."""


def parse_day(text: str | None) -> date | None:
    """`2023-11-09` or `2023-11-09T00:00:00` as a date."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise AuctionFormatError(f"not a date: {text!r}") from None


def parse_clock(text: str | None) -> time | None:
    """`"01:00 PM"` / `"11:30 AM"` (ET, 12-hour) as a time."""
    if text is None:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*([AP])\.?M\.?", text.strip().upper())
    if match is None:
        raise AuctionFormatError(f"not a closing time: {text!r}")
    hour, minute, half = int(match.group(1)) % 12, int(match.group(2)), match.group(3)
    return time(hour + (12 if half == "P" else 0), minute)


def parse_flag(text: str | None) -> bool | None:
    """`"Yes"`/`"No"` as a bool."""
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in ("yes", "y", "true"):
        return True
    if lowered in ("no", "n", "false"):
        return False
    raise AuctionFormatError(f"not Yes/No: {text!r}")


def kind_of(security_type: str | None, *, tips: bool | None, frn: bool | None, cmb: bool | None) -> str:
    """The kind from a source's type vocabulary and its TIPS/FRN/CMB markers."""
    label = (security_type or "").strip().lower()
    if tips or label in ("tips", "tips note", "tips bond"):
        return Kind.TIPS
    if frn or label in ("frn", "frn note"):
        return Kind.FRN
    if cmb or label == "cmb":
        return Kind.CMB
    if label == "bill":
        return Kind.BILL
    if label in ("note", "bond"):
        return Kind.NOMINAL
    raise AuctionFormatError(f"unknown security type {security_type!r}")
