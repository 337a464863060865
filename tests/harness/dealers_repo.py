"""Payloads for the primary dealer and OFR repo tests, built from the shipped values in each API's layout.

No multi-year raw download of `pd/get/{keyid}.json` or of OFR's `series/timeseries`
was found; the layouts are the documented ones (`../shared/docs/upstream-apis.md`,
the NY Fed's `{"pd": {"timeseries": [...]}}`, OFR's `[[date, value], …]`) and the
values are the publishers' own, from the shipped history.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

from market.dealers.book import SHIPPED_FILE as DEALERS_FILE
from market.funding.repo_market import SHIPPED
from market.funding.repo_market import SHIPPED_FILE as REPO_FILE
from tests.harness.upstream import Recording


def gz_json(path: Path) -> Any:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _write_gz_json(path: Path, payload: Any) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(payload, handle)


def dealer_rows(keyid: str, until: date | None = None) -> list[dict[str, str]]:
    """One key's shipped rows, `{"asofdate", "keyid", "value"}` with the value a string in $ millions."""
    rows = gz_json(SHIPPED / DEALERS_FILE)["pd"]["timeseries"]
    last = (until or date.max).isoformat()
    return [row for row in rows if row["keyid"] == keyid and row["asofdate"] <= last]


def dealer_payload(keyid: str, until: date | None = None) -> bytes:
    """`pd/get/{keyid}.json` as the NY Fed sends it, from the shipped values."""
    return json.dumps({"pd": {"timeseries": dealer_rows(keyid, until)}}).encode()


def ofr_pairs(mnemonic: str, start: date | None = None, end: date | None = None) -> list[list[Any]]:
    """One series' shipped `[date, value]` pairs between two dates."""
    pairs = gz_json(SHIPPED / REPO_FILE)[mnemonic]["timeseries"]["aggregation"]
    first, last = (start or date.min).isoformat(), (end or date.max).isoformat()
    return [pair for pair in pairs if first <= pair[0] <= last]


def ofr_recordings(folder: Path, mnemonics: list[str], start: date, end: date) -> tuple[Recording, ...]:
    """`series/timeseries?mnemonic=…` answers written to `folder`, one recording per mnemonic."""
    recordings = []
    for mnemonic in mnemonics:
        name = f"ofr_{mnemonic}.json"
        (folder / name).write_text(json.dumps(ofr_pairs(mnemonic, start, end)))
        recordings.append(Recording("ofr", "/series/timeseries", name, {"mnemonic": mnemonic}))
    return tuple(recordings)


def dealers_until(target: Path, cutoff: date) -> Path:
    """A shipped-history folder whose dealer file stops at `cutoff` (same layout)."""
    target.mkdir(parents=True, exist_ok=True)
    payload = gz_json(SHIPPED / DEALERS_FILE)
    payload["pd"]["timeseries"] = [r for r in payload["pd"]["timeseries"] if r["asofdate"] <= cutoff.isoformat()]
    _write_gz_json(target / DEALERS_FILE, payload)
    return target


def repo_until(target: Path, cutoff: date) -> Path:
    """A shipped-history folder whose OFR file stops at `cutoff` (same layout)."""
    target.mkdir(parents=True, exist_ok=True)
    payload = gz_json(SHIPPED / REPO_FILE)
    for body in payload.values():
        aggregation = body["timeseries"]["aggregation"]
        body["timeseries"]["aggregation"] = [pair for pair in aggregation if pair[0] <= cutoff.isoformat()]
    _write_gz_json(target / REPO_FILE, payload)
    return target
