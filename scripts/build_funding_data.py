"""Build `market/data/funding/` from the desk's shared funding history.

Each file is written in its upstream's own layout (NY Fed Markets API JSON,
FRED's CSV, CFTC Socrata JSON), so the bot reads shipped and live data with
the same parse functions. Run from the project root:

    python scripts/build_funding_data.py ../shared/data/funding

The output is deterministic (sorted, gzip without timestamps), so re-running
on the same input gives byte-identical files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "market" / "data" / "funding"
POLICY_START = "2018-01-01"
TREASURY_CODES = ("042601", "044601", "043602", "043607", "020601", "020604")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> Any:
    """A JSON number from CSV text, or None for a blank (the API prints null)."""
    text = text.strip()
    if not text:
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _write_json_gz(name: str, payload: Any) -> None:
    raw = json.dumps(payload, indent=None, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(raw)
    (OUT / name).write_bytes(buffer.getvalue())


def reference_rates(shared: Path) -> None:
    """NY Fed `/rates/.../search.json` layout: `{"refRates": [...]}`, newest first."""
    rows = _rows(shared / "nyfed" / "reference_rates_2018_2025.csv")
    items = []
    for row in rows:
        item: dict[str, Any] = {"effectiveDate": row["date"], "type": row["type"], "percentRate": _number(row["rate"])}
        for ours, theirs in (
            ("p1", "percentPercentile1"),
            ("p25", "percentPercentile25"),
            ("p75", "percentPercentile75"),
            ("p99", "percentPercentile99"),
            ("volume_bn", "volumeInBillions"),
        ):
            value = _number(row[ours])
            if value is not None:
                item[theirs] = value
        item["revisionIndicator"] = ""
        items.append(item)
    items.sort(key=lambda item: (item["effectiveDate"], item["type"]), reverse=True)
    _write_json_gz("nyfed_reference_rates.json.gz", {"refRates": items})


def repo_operations(shared: Path) -> None:
    """NY Fed `/rp/results/search.json` layout: `{"repo": {"operations": [...]}}`."""
    operations = []
    for file in ("repo_operations.csv", "reverse_repo_operations.csv"):
        for row in _rows(shared / "srf" / file):
            operation: dict[str, Any] = {
                "operationId": row["operation_id"],
                "operationDate": row["operation_date"],
                "operationType": row["operation_type"],
            }
            optional = {
                "settlementDate": row.get("settlement_date", ""),
                "maturityDate": row.get("maturity_date", ""),
                "operationMethod": row.get("operation_method", ""),
                "term": row.get("term", ""),
            }
            operation.update({key: value for key, value in optional.items() if value})
            for ours, theirs in (
                ("term_days", "termCalenderDays"),
                ("total_submitted_usd", "totalAmtSubmitted"),
                ("total_accepted_usd", "totalAmtAccepted"),
            ):
                value = _number(row.get(ours, ""))
                if value is not None:
                    operation[theirs] = value
            operations.append(operation)
    operations.sort(key=lambda item: (item["operationDate"], item["operationId"]))
    _write_json_gz("nyfed_repo_operations.json.gz", {"repo": {"operations": operations}})


def policy_rates(shared: Path) -> None:
    """FRED's keyless CSV layout (`observation_date,IORB,…`, blank = missing)."""
    rows = [row for row in _rows(shared / "policy" / "policy_rates_daily.csv") if row["date"] >= POLICY_START]
    with (OUT / "fred_policy_rates.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["observation_date", "IORB", "IOER", "DFEDTARL", "DFEDTARU"])
        for row in rows:
            writer.writerow([row["date"], row["iorb"], row["ioer"], row["dfedtarl"], row["dfedtaru"]])


def cftc_tff(shared: Path) -> None:
    """CFTC Socrata TFF futures-only rows (`gpe5-46if.json`), all values as strings."""
    fields = {
        "open_interest": "open_interest_all",
        "lev_money_long": "lev_money_positions_long",
        "lev_money_short": "lev_money_positions_short",
        "lev_money_spread": "lev_money_positions_spread",
        "asset_mgr_long": "asset_mgr_positions_long",
        "asset_mgr_short": "asset_mgr_positions_short",
        "dealer_long": "dealer_positions_long_all",
        "dealer_short": "dealer_positions_short_all",
    }
    records = []
    for row in _rows(shared / "cftc" / "tff_treasury_futures_2015_2026.csv"):
        if row["contract_code"] not in TREASURY_CODES:
            continue
        name = row["market_name"]
        record = {
            "market_and_exchange_names": name,
            "contract_market_name": name.split(" - ")[0],
            "cftc_contract_market_code": row["contract_code"],
            "report_date_as_yyyy_mm_dd": f"{row['report_date']}T00:00:00.000",
            "futonly_or_combined": "FutOnly",
        }
        for ours, theirs in fields.items():
            if row[ours].strip():
                record[theirs] = row[ours].strip()
        records.append(record)
    records.sort(key=lambda item: (item["report_date_as_yyyy_mm_dd"], item["cftc_contract_market_code"]))
    _write_json_gz("cftc_tff_treasury_futures.json.gz", records)


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data" / "funding"
    OUT.mkdir(parents=True, exist_ok=True)
    reference_rates(shared)
    repo_operations(shared)
    policy_rates(shared)
    cftc_tff(shared)
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(OUT.parents[2])}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
