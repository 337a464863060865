"""Cash-futures basis arithmetic for Treasury futures: the CME conversion factor,
gross and net basis (in 32nds), carry to delivery and the implied repo rate.

Conventions: accrued interest actual/actual on the semiannual coupon schedule
(derived back from maturity); repo and implied repo simple actual/360; an
intervening coupon is reinvested at the same rate (Burghardt's formula).
Business days are Monday-Friday (holidays are not known here).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from market.calendar import business_days_after, is_business_day

# Contract → how CME rounds the months beyond whole years ("month" or "quarter").
CONTRACTS: dict[str, str] = {"TU": "month", "Z3N": "month", "FV": "month", "TY": "quarter", "TN": "quarter"}
CONTRACTS.update({"US": "quarter", "WN": "quarter", "UB": "quarter"})
CONTRACT_NAMES = {
    "TU": "2-Year Note",
    "Z3N": "3-Year Note",
    "FV": "5-Year Note",
    "TY": "10-Year Note",
    "TN": "Ultra 10-Year Note",
    "US": "Bond",
    "WN": "Ultra Bond",
    "UB": "Ultra Bond",
}
MONTH_CODES = {"H": 3, "M": 6, "U": 9, "Z": 12}
PRICE_PATTERN = re.compile(r"^(\d{1,3})-(\d{2})(\+|[0-7])?$")
# Prices per 100 face a coupon note, bond or Treasury future can trade at; outside is a typo.
PRICE_RANGE = (10, 300)
# The character after the 32nds → the fraction of a 32nd it adds (`+` = a half).
QUARTER_TICKS = {"0": 0.0, "2": 0.25, "+": 0.5, "5": 0.5, "7": 0.75}


class BasisInputError(ValueError):
    """An input the calculator cannot use; the message says which and why."""


def parse_price(text: str) -> float:
    """A price in decimal (`99.25`) or 32nds (`99-08`, `110-16+`, `110-165`, `110-162`), per 100 face."""
    raw = text.strip()
    match = PRICE_PATTERN.match(raw)
    if match:
        whole, thirty_seconds, extra = match.groups()
        ticks = int(thirty_seconds)
        if ticks > 31:
            raise BasisInputError(f"`{raw}`: the 32nds must be 00-31")
        if extra is not None and extra not in QUARTER_TICKS:
            raise BasisInputError(f"`{raw}`: the third digit is quarters of a 32nd (0, 2, 5 or 7)")
        value = int(whole) + (ticks + QUARTER_TICKS.get(extra or "0", 0.0)) / 32
    else:
        try:
            value = float(raw)
        except ValueError:
            raise BasisInputError(f"`{raw}` is not a price (write 110-16, 110-16+, 110-165 or 110.515625)") from None
    low, high = PRICE_RANGE
    if not low <= value <= high:  # also refuses NaN
        raise BasisInputError(f"`{raw}` is not a plausible price: notes, bonds and their futures trade {low}-{high}")
    return value


def format_32nds(price: float) -> str:
    """A price in the desk's 32nds (`110-16+`, `99-08¼` as `99-082`)."""
    whole = int(price // 1)
    ticks = round((price - whole) * 128) / 4  # nearest quarter of a 32nd
    if ticks >= 32:
        whole, ticks = whole + 1, ticks - 32
    base, quarter = int(ticks), ticks - int(ticks)
    suffix = {0.0: "", 0.25: "2", 0.5: "+", 0.75: "7"}[quarter]
    return f"{whole}-{base:02d}{suffix}"


def _add_months(day: date, months: int, end_of_month: bool) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if end_of_month else min(day.day, last))


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def coupon_period(maturity: date, on: date) -> tuple[date, date]:
    """The coupon dates around `on` (previous ≤ on < next), stepping back from maturity."""
    end_of_month = _is_month_end(maturity)
    periods = 0
    next_coupon = maturity
    while True:
        previous = _add_months(maturity, -6 * (periods + 1), end_of_month)
        if previous <= on:
            return previous, next_coupon
        periods += 1
        next_coupon = previous


def accrued_interest(coupon_pct: float, maturity: date, settle: date) -> float:
    """Accrued interest per 100 face, actual/actual on the semiannual schedule."""
    previous, next_coupon = coupon_period(maturity, settle)
    return coupon_pct / 2 * (settle - previous).days / (next_coupon - previous).days


def conversion_factor(contract: str, coupon_pct: float, maturity: date, delivery_month: date) -> float:
    """CME's conversion factor (price of $1 par at a 6% yield), rounded to 4 decimals.

    n = whole years from the first day of the delivery month to maturity; z = the
    remaining whole months, rounded down to a quarter for TY, TN, US and WN (to a
    month for TU, Z3N and FV). Then CME's a, b, c, d formula.
    """
    rounding = CONTRACTS.get(contract.upper())
    if rounding is None:
        raise BasisInputError(f"`{contract}` is not a Treasury futures contract ({', '.join(CONTRACTS)})")
    first = delivery_month.replace(day=1)
    months = (maturity.year - first.year) * 12 + maturity.month - first.month
    if maturity.day < first.day:
        months -= 1
    if months <= 0:
        raise BasisInputError("the bond matures before the delivery month")
    n, z = divmod(months, 12)
    if rounding == "quarter":
        z = z // 3 * 3
        v = z if z < 7 else 3
    else:
        v = z if z < 7 else z - 6
    coupon = coupon_pct / 100
    a = 1 / 1.03 ** (v / 6)
    b = coupon / 2 * (6 - v) / 6
    c = 1 / 1.03 ** (2 * n) if z < 7 else 1 / 1.03 ** (2 * n + 1)
    d = coupon / 0.06 * (1 - c)
    return round(a * (coupon / 2 + c + d) - b, 4)


def last_business_day(year: int, month: int) -> date:
    """The month's last bond-market business day (SIFMA holidays skipped, not only weekends)."""
    day = date(year, month, calendar.monthrange(year, month)[1])
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def last_delivery_day(contract: str, year: int, month: int) -> date:
    """Last delivery day: 3rd business day of the next month for TU, Z3N, FV; else the month's last."""
    if contract.upper() in ("TU", "Z3N", "FV"):
        following = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        return business_days_after(following, 3)
    return last_business_day(year, month)


def parse_contract(text: str, settle: date) -> tuple[str, date]:
    """`TY` (the front quarterly contract after `settle`), `TYM5` or `TYM25` → (root, delivery month)."""
    raw = text.strip().upper()
    for root in sorted(CONTRACTS, key=len, reverse=True):
        if not raw.startswith(root):
            continue
        rest = raw[len(root) :]
        if not rest:
            year, month = settle.year, settle.month
            while month not in MONTH_CODES.values() or last_delivery_day(root, year, month) <= settle:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return root, date(year, month, 1)
        if rest[0] in MONTH_CODES and rest[1:].isdigit() and len(rest[1:]) in (1, 2):
            digits = rest[1:]
            decade = settle.year // 10 * 10
            year = 2000 + int(digits) if len(digits) == 2 else decade + int(digits)
            if len(digits) == 1 and year < settle.year - 1:
                year += 10
            return root, date(year, MONTH_CODES[rest[0]], 1)
    raise BasisInputError(f"`{text}` is not a contract I know (TU, Z3N, FV, TY, TN, US, WN; e.g. TY or TYM5)")


@dataclass(frozen=True)
class BasisResult:
    """The basis of one deliverable against one futures contract, per 100 face."""

    contract: str
    delivery_month: date
    settle: date
    delivery: date
    futures_price: float
    bond_price: float
    coupon_pct: float
    maturity: date
    conversion_factor: float
    accrued_settle: float
    accrued_delivery: float
    interim_coupon: float
    days: int
    repo_pct: float | None
    implied_repo_pct: float
    gross_basis_32nds: float
    carry_32nds: float | None
    net_basis_32nds: float | None

    @property
    def invoice_price(self) -> float:
        """Futures × factor + accrued at delivery (clean invoice plus accrued)."""
        return self.futures_price * self.conversion_factor + self.accrued_delivery


def basis(
    contract: str,
    futures_price: float,
    coupon_pct: float,
    maturity: date,
    bond_price: float,
    settle: date,
    delivery: date,
    delivery_month: date,
    repo_pct: float | None = None,
    factor: float | None = None,
) -> BasisResult:
    """Gross basis, carry, net basis (32nds) and implied repo (% act/360) to `delivery`.

    `factor` overrides the computed conversion factor (e.g. a published one).
    """
    if not 0 <= coupon_pct < 20:
        raise BasisInputError(f"a coupon of {coupon_pct}% is not plausible (write 4.25 for 4¼%)")
    if delivery <= settle:
        raise BasisInputError(f"delivery {delivery} is not after settlement {settle}")
    if maturity <= delivery:
        raise BasisInputError(f"the bond matures ({maturity}) before delivery ({delivery})")
    cf = factor if factor is not None else conversion_factor(contract, coupon_pct, maturity, delivery_month)
    ai_settle = accrued_interest(coupon_pct, maturity, settle)
    ai_delivery = accrued_interest(coupon_pct, maturity, delivery)
    _previous, next_coupon = coupon_period(maturity, settle)
    days = (delivery - settle).days
    interim = coupon_pct / 2 if settle < next_coupon <= delivery else 0.0
    days_after_coupon = (delivery - next_coupon).days if interim else 0
    full_price = bond_price + ai_settle
    invoice = futures_price * cf + ai_delivery
    implied = (invoice + interim - full_price) * 360 / (full_price * days - interim * days_after_coupon)
    gross = (bond_price - futures_price * cf) * 32
    carry = net = None
    if repo_pct is not None:
        rate = repo_pct / 100
        income = ai_delivery - ai_settle + interim
        financing = full_price * rate * days / 360 - interim * rate * days_after_coupon / 360
        carry = (income - financing) * 32
        net = gross - carry
    return BasisResult(
        contract=contract.upper(),
        delivery_month=delivery_month,
        settle=settle,
        delivery=delivery,
        futures_price=futures_price,
        bond_price=bond_price,
        coupon_pct=coupon_pct,
        maturity=maturity,
        conversion_factor=cf,
        accrued_settle=ai_settle,
        accrued_delivery=ai_delivery,
        interim_coupon=interim,
        days=days,
        repo_pct=repo_pct,
        implied_repo_pct=implied * 100,
        gross_basis_32nds=gross,
        carry_32nds=carry,
        net_basis_32nds=net,
    )
