"""Build the shipped primary dealer and OFR repo history in `market/data/funding/`.

- `nyfed_primary_dealers.json.gz`: the NY Fed Markets `pd/get/{keyid}.json` layout,
  `{"pd": {"timeseries": [{"asofdate", "keyid", "value"}]}}` (values as strings, $ millions),
  for the 14 Treasury position keys and dealer repo financing PDSORA-UTSETTOT, weekly.
- `ofr_repo_rates.json.gz`: the OFR `series/multifull` layout,
  `{"MNEMONIC": {"timeseries": {"aggregation": [[date, value], ...]}}}`, daily.

Blank values upstream are left out (never 0). Run from the project root:

    python scripts/build_dealer_repo_data.py ../shared/data/funding

The output is deterministic (sorted, gzip without a timestamp): the same input gives the same bytes.
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
DEALERS_FILE = "nyfed_primary_dealers.json.gz"
REPO_FILE = "ofr_repo_rates.json.gz"
POSITION_KEYS = (
    "PDPOSGST-TOT",
    "PDPOSGS-B",
    "PDPOSGS-BFRN",
    "PDPOSGSC-L2",
    "PDPOSGSC-G2L3",
    "PDPOSGSC-G3L6",
    "PDPOSGSC-G6L7",
    "PDPOSGSC-G7L11",
    "PDPOSGSC-G11L21",
    "PDPOSGSC-G21",
    "PDPOSTIPS-L2",
    "PDPOSTIPS-G2",
    "PDPOSTIPS-G6L11",
    "PDPOSTIPS-G11",
)
FINANCING_KEY = "PDSORA-UTSETTOT"
# Rates in percent (exact to 2 decimals upstream; the copy's floats print e.g. 1.6300000000000001).
REPO_RATES = ("REPO-DVP_AR_OO-P", "REPO-GCF_AR_OO-P", "REPO-TRI_AR_OO-P", "FNYR-TGCR-A")
# Volumes in dollars, as the copy has them.
REPO_VOLUMES = ("REPO-DVP_TV_TOT-P", "REPO-GCF_TV_TOT-P", "REPO-TRI_TV_TOT-P")
DENSE_GCF = "REPO-GCF_AR_AG-P"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _write_json_gz(path: Path, payload: Any) -> None:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        handle.write(raw)
    path.write_bytes(buffer.getvalue())


def dealer_history(shared: Path) -> dict[str, Any]:
    """Positions and repo financing in the `pd/get` layout, by key then week."""
    folder = shared / "primary_dealers"
    rows = _rows(folder / "nyfed_pd_positions_weekly_2013-2026__chenc319_from_pickle.csv")
    rows += _rows(folder / "nyfed_pd_financing_weekly__chenc319_from_pickle.csv")
    wanted = {*POSITION_KEYS, FINANCING_KEY}
    items = [
        {"asofdate": row["asofdate"], "keyid": row["keyid"], "value": str(int(row["value"]))}
        for row in rows
        if row["keyid"] in wanted and row["value"].strip()
    ]
    items.sort(key=lambda item: (item["keyid"], item["asofdate"]))
    return {"pd": {"timeseries": items}}


def _pairs(rows: list[dict[str, str]], column: str, rate: bool) -> list[list[Any]]:
    pairs: list[list[Any]] = []
    for row in rows:
        text = row[column].strip()
        if text:
            pairs.append([row["date"], round(float(text), 2) if rate else float(text)])
    return sorted(pairs)


def repo_history(shared: Path) -> dict[str, Any]:
    """OFR repo series in the `series/multifull` layout (aggregation only)."""
    folder = shared / "ofr_repo"
    wide = _rows(folder / "ofr_stfm_repo_12series_2014-2026__PrentendYan.csv")
    dense = _rows(folder / "ofr_REPO-GCF_AR_AG-P_2018-2025__chenc319_from_pickle.csv")
    series = {mnemonic: _pairs(wide, mnemonic, rate=True) for mnemonic in REPO_RATES}
    series[DENSE_GCF] = _pairs(dense, DENSE_GCF, rate=True)
    series.update({mnemonic: _pairs(wide, mnemonic, rate=False) for mnemonic in REPO_VOLUMES})
    return {mnemonic: {"timeseries": {"aggregation": series[mnemonic]}} for mnemonic in sorted(series)}


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data" / "funding"
    OUT.mkdir(parents=True, exist_ok=True)
    dealers = dealer_history(shared)
    repo = repo_history(shared)
    _write_json_gz(OUT / DEALERS_FILE, dealers)
    _write_json_gz(OUT / REPO_FILE, repo)
    print(f"{DEALERS_FILE}: {len(dealers['pd']['timeseries']):,} values, {(OUT / DEALERS_FILE).stat().st_size:,} bytes")
    counts = ", ".join(f"{m} {len(body['timeseries']['aggregation'])}" for m, body in repo.items())
    print(f"{REPO_FILE}: {counts}; {(OUT / REPO_FILE).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
