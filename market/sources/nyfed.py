"""NY Fed Markets API: reference rates (SOFR, TGCR, BGCR, EFFR, OBFR) and repo operation results.

The shipped history is stored in the API's own JSON layout, so
`parse_reference_rates` and `parse_repo_operations` read both the shipped
files and what the live API sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from market.http import UpstreamClient, UpstreamError
from market.missing import decimal_or_none, field
from market.sources.sanity import without_far_future

# Which API family each rate lives under.
RATE_FAMILIES = {"SOFR": "secured", "TGCR": "secured", "BGCR": "secured", "EFFR": "unsecured", "OBFR": "unsecured"}

# Upstream field → ours, for one reference-rate row.
RATE_FIELDS = {
    "percentRate": "rate",
    "percentPercentile1": "p1",
    "percentPercentile25": "p25",
    "percentPercentile75": "p75",
    "percentPercentile99": "p99",
    "volumeInBillions": "volume_bn",
    "targetRateFrom": "target_from",
    "targetRateTo": "target_to",
}


class NyFedFormatError(ValueError):
    """The payload is not a NY Fed Markets layout we know."""


@dataclass(frozen=True)
class RateFixing:
    """One day's published reference rate, in percent; volume in $bn. None = not published."""

    day: date
    kind: str
    rate: Decimal | None
    p1: Decimal | None = None
    p25: Decimal | None = None
    p75: Decimal | None = None
    p99: Decimal | None = None
    volume_bn: Decimal | None = None
    target_from: Decimal | None = None
    target_to: Decimal | None = None


@dataclass(frozen=True)
class RepoOperation:
    """One open-market repo or reverse repo operation; amounts in dollars."""

    operation_id: str
    day: date
    operation_type: str  # "Repo" or "Reverse Repo"
    method: str | None
    term: str | None
    submitted: Decimal | None
    accepted: Decimal | None

    @property
    def is_repo(self) -> bool:
        """Repo (the Fed lends cash: SRF and the 2019-2021 temporary operations), not ON RRP."""
        return self.operation_type.strip().lower() == "repo"


def parse_reference_rates(payload: Any) -> list[RateFixing]:
    """Fixings from `{"refRates": [...]}`, oldest first."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("refRates"), list):
        raise NyFedFormatError("the JSON has no refRates list")
    fixings = []
    for item in payload["refRates"]:
        if not isinstance(item, Mapping):
            raise NyFedFormatError("a refRates entry is not an object")
        kind = field(item, "type")
        if kind is None:
            raise NyFedFormatError("a refRates entry has no type")
        values = {ours: _number(item.get(theirs)) for theirs, ours in RATE_FIELDS.items()}
        fixings.append(RateFixing(day=_date(field(item, "effectiveDate")), kind=kind.upper(), **values))
    fixings.sort(key=lambda fixing: (fixing.day, fixing.kind))
    return fixings


def parse_repo_operations(payload: Any) -> list[RepoOperation]:
    """Operations from `{"repo": {"operations": [...]}}`, oldest first (amounts as numbers or strings)."""
    repo = payload.get("repo") if isinstance(payload, Mapping) else None
    if not isinstance(repo, Mapping) or not isinstance(repo.get("operations"), list):
        raise NyFedFormatError("the JSON has no repo.operations list")
    operations = []
    for item in repo["operations"]:
        if not isinstance(item, Mapping):
            raise NyFedFormatError("an operation is not an object")
        operation_type = field(item, "operationType")
        operation_id = field(item, "operationId")
        if operation_type is None or operation_id is None:
            raise NyFedFormatError("an operation has no operationId or operationType")
        operations.append(
            RepoOperation(
                operation_id=operation_id,
                day=_date(field(item, "operationDate")),
                operation_type=operation_type,
                method=field(item, "operationMethod"),
                term=field(item, "term"),
                submitted=_number(item.get("totalAmtSubmitted")),
                accepted=_number(item.get("totalAmtAccepted")),
            )
        )
    operations.sort(key=lambda operation: (operation.day, operation.operation_id))
    return operations


def _date(text: str | None) -> date:
    if text is None:
        raise NyFedFormatError("a row has no date")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise NyFedFormatError(f"not a date: {text!r}") from None


def _number(value: Any) -> Decimal | None:
    try:
        return decimal_or_none(value)
    except ValueError:
        raise NyFedFormatError(f"not a number: {value!r}") from None


class NyFedSource:
    """The NY Fed Markets API (no key)."""

    def __init__(self, client: UpstreamClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.source

    def reference_rates(self, kind: str, start: date, end: date) -> list[RateFixing]:
        """One rate's fixings from `start` to `end` (inclusive), oldest first."""
        family = RATE_FAMILIES[kind.upper()]
        path = f"rates/{family}/{kind.lower()}/search.json"
        payload = self._client.get_json(path, {"startDate": start.isoformat(), "endDate": end.isoformat()})
        try:
            fixings = [fixing for fixing in parse_reference_rates(payload) if fixing.kind == kind.upper()]
            fixings = without_far_future(fixings, lambda fixing: fixing.day, NyFedFormatError)
            if len(fixings) > 1 and all(fixing.rate is None for fixing in fixings):
                raise NyFedFormatError(f"none of its {len(fixings)} {kind.upper()} fixings has a rate")
            return fixings
        except NyFedFormatError as error:
            raise UpstreamError(self._client.source, f"it sent rates I cannot read ({error})") from None

    def repo_operations(self, start: date, end: date) -> list[RepoOperation]:
        """Repo and reverse repo operation results from `start` to `end`, oldest first."""
        payload = self._client.get_json(
            "rp/results/search.json", {"startDate": start.isoformat(), "endDate": end.isoformat()}
        )
        try:
            return without_far_future(parse_repo_operations(payload), lambda operation: operation.day, NyFedFormatError)
        except NyFedFormatError as error:
            raise UpstreamError(self._client.source, f"it sent repo operations I cannot read ({error})") from None
