"""CFTC Public Reporting (Socrata): Traders in Financial Futures, futures only (`gpe5-46if`).

Rows are matched on the contract market code, never on the name: the names
changed on 2022-02-08 ("10-YEAR U.S. TREASURY NOTES" became "UST 10Y NOTE").
The shipped history is stored as Socrata rows, so `parse_tff` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none, field
from market.sources.sanity import without_far_future

TFF_FUTURES_ONLY = "gpe5-46if"

# Contract market code → the desk's name for the contract, in curve order.
TREASURY_CONTRACTS: dict[str, str] = {
    "042601": "2y (TU)",
    "044601": "5y (FV)",
    "043602": "10y (TY)",
    "043607": "Ultra 10y (TN)",
    "020601": "Bond (US)",
    "020604": "Ultra Bond (WN)",
}

# Upstream field → ours (TFF has no `_all` suffix on the leveraged-money fields).
TFF_FIELDS = {
    "open_interest_all": "open_interest",
    "lev_money_positions_long": "lev_long",
    "lev_money_positions_short": "lev_short",
    "asset_mgr_positions_long": "asset_mgr_long",
    "asset_mgr_positions_short": "asset_mgr_short",
    "dealer_positions_long_all": "dealer_long",
    "dealer_positions_short_all": "dealer_short",
}


class CftcFormatError(ValueError):
    """The payload is not a Socrata TFF layout we know."""


@dataclass(frozen=True)
class TffPosition:
    """One contract's positions in one weekly report (Tuesday), in contracts; None = not reported."""

    report_date: date
    code: str
    market_name: str | None
    open_interest: int | None = None
    lev_long: int | None = None
    lev_short: int | None = None
    asset_mgr_long: int | None = None
    asset_mgr_short: int | None = None
    dealer_long: int | None = None
    dealer_short: int | None = None

    @property
    def lev_net(self) -> int | None:
        """Leveraged funds' long − short; None when either side is missing."""
        if self.lev_long is None or self.lev_short is None:
            return None
        return self.lev_long - self.lev_short


def parse_tff(payload: Any, codes: frozenset[str] = frozenset(TREASURY_CONTRACTS)) -> list[TffPosition]:
    """Positions for the contracts in `codes` from a Socrata row list, oldest first."""
    if not isinstance(payload, list):
        raise CftcFormatError("the JSON is not a list of rows")
    positions = []
    coded = 0
    for row in payload:
        if not isinstance(row, Mapping):
            raise CftcFormatError("a row is not an object")
        code = field(row, "cftc_contract_market_code")
        coded += code is not None
        if code is None or code not in codes:
            continue
        raw_day = field(row, "report_date_as_yyyy_mm_dd")
        try:
            day = date.fromisoformat((raw_day or "")[:10])
        except ValueError:
            raise CftcFormatError(f"not a report date: {raw_day!r}") from None
        values = {ours: _count(row.get(theirs)) for theirs, ours in TFF_FIELDS.items()}
        positions.append(
            TffPosition(report_date=day, code=code, market_name=field(row, "market_and_exchange_names"), **values)
        )
    if payload and not coded:
        raise CftcFormatError(f"none of its {len(payload)} rows has a contract market code")
    positions.sort(key=lambda position: (position.report_date, position.code))
    return positions


def plausible(positions: list[TffPosition]) -> list[TffPosition]:
    """Positions less those dated far ahead; reports in which every position is missing are refused."""
    kept = without_far_future(positions, lambda position: position.report_date, CftcFormatError)
    counts = [getattr(position, name) for position in kept for name in TFF_FIELDS.values()]
    if kept and all(count is None for count in counts):
        raise CftcFormatError(f"none of its {len(kept)} rows has a position")
    return kept


def _count(value: Any) -> int | None:
    try:
        number = decimal_or_none(value)
    except ValueError:
        raise CftcFormatError(f"not a number: {value!r}") from None
    return None if number is None else int(number)


class CftcSource:
    """The CFTC's Socrata API for the six Treasury futures contracts (no key needed)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def tff(self, since: date) -> list[TffPosition]:
        """Weekly positions reported on or after `since`, oldest first."""
        codes = ",".join(f"'{code}'" for code in TREASURY_CONTRACTS)
        params = {
            "$where": f"cftc_contract_market_code in({codes}) AND report_date_as_yyyy_mm_dd >= '{since.isoformat()}'",
            "$order": "report_date_as_yyyy_mm_dd ASC",
            "$limit": "5000",
        }
        payload = self._client.get_json(f"{TFF_FUTURES_ONLY}.json", params)
        try:
            return [position for position in plausible(parse_tff(payload)) if position.report_date >= since]
        except CftcFormatError as error:
            raise UpstreamError(self._client.source, f"it sent positions I cannot read ({error})") from None
