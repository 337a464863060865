"""Build the auction history shipped in `market/data/auctions/` from the raw public files.

    python scripts/build_auction_history.py /path/to/shared/data/auctions

Keeps each source's own layout and field names (only the columns deskbot
reads), so the shipped files go through the same parsers as live answers.
The one derived value: the Fiscal Data CSV's `kind` column (added by the
repository it came from) becomes the API's own `inflation_index_security`
and `floating_rate` markers. The script checks that deskbot's tenor for
every row equals that repository's `tenor` column, and that the small-value
test auctions are exactly the rows it marked.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from market.sources.fiscaldata import AUCTION_FIELDS, parse_fiscaldata_rows  # noqa: E402
from market.sources.treasurydirect import FIELDS as TD_FIELDS  # noqa: E402
from market.sources.treasurydirect import parse_treasurydirect  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "market" / "data" / "auctions"
FD_RAW = "fiscaldata_auctions_notes_bonds_2019_2025.csv"
TD_RAW = "treasurydirect_securities_search_bonds_1996_2024.json"
FD_OUT = "fiscaldata_auctions_query_notes_bonds_2019_2025.csv.gz"
TD_OUT = "treasurydirect_securities_search_bonds_1996_2024.json.gz"
JQ_RAW = "treasurydirect_all/treasurydirect_jqsearch_all_auctions_28fields_1979-2026-02__UWA-DS-11.csv.gz"
JQ_OUT = "treasurydirect_jqsearch_median_yields_2019_2026.csv.gz"
JQ_COLUMNS = ("cusip", "issueDate", "securityType", "securityTerm", "highYield", "averageMedianYield", "lowYield")


def build_median_yields(raw: Path, out: Path = OUT) -> int:
    """TreasuryDirect's high, median and low yields of every note, bond and TIPS auction issued from 2019.

    The Fiscal Data extract has no median yield; this file is keyed, as TreasuryDirect keys
    it, by CUSIP and issue date, and kept in TreasuryDirect's own field names and strings.
    The raw CSV repeats `issueDate`; the first copy is kept.
    """
    with gzip.open(raw, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, row, strict=False)) for row in reader]  # the repeated issueDate: first wins
    kept = [
        row
        for row in rows
        if row["issueDate"][:10] >= "2019-01-01"
        and row["averageMedianYield"]
        and row["securityType"] in ("Note", "Bond")
    ]
    return _write_csv_gz(out / JQ_OUT, JQ_COLUMNS, kept)


def _write_csv_gz(path: Path, columns: Sequence[str], rows: list[dict[str, str]]) -> int:
    """`rows` as a gzipped CSV with only `columns`, byte-for-byte the same on every run (no gzip time)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(gzip.compress(buffer.getvalue().encode(), mtime=0))
    return len(rows)


def build_fiscaldata(raw: Path, out: Path = OUT) -> int:
    with raw.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    out_rows = []
    for row in rows:
        kind = row["kind"]
        fd = {key: value for key, value in row.items() if key not in ("kind", "tenor", "small_value_test")}
        fd["inflation_index_security"] = "Yes" if kind == "TIPS" else "No"
        fd["floating_rate"] = "Yes" if kind == "FRN" else "No"
        out_rows.append(fd)
    for record, row in zip(parse_fiscaldata_rows(out_rows), rows, strict=True):
        expected = {"TIPS": f"tips{row['tenor']}", "FRN": "frn"}.get(row["kind"], row["tenor"])
        if record.tenor != expected:
            raise SystemExit(f"tenor mismatch {record.key}: {record.tenor} != {expected}")
        if record.is_small_value != (row["small_value_test"] == "True"):
            raise SystemExit(f"small-value mismatch {record.key}")
    known = set(AUCTION_FIELDS.values())
    columns = [name for name in out_rows[0] if name in known]
    return _write_csv_gz(out / FD_OUT, columns, out_rows)


def build_treasurydirect(raw: Path, out: Path = OUT) -> int:
    payload = json.loads(raw.read_text())
    keep = set(TD_FIELDS.values())
    trimmed = [{key: value for key, value in row.items() if key in keep} for row in payload]
    parse_treasurydirect(trimmed)  # fails loudly on anything the live parser would refuse
    text = json.dumps(trimmed, separators=(",", ":"), sort_keys=True)
    (out / TD_OUT).write_bytes(gzip.compress(text.encode(), mtime=0))
    return len(trimmed)


def main() -> int:
    raw_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/auctions")
    print(f"{FD_OUT}: {build_fiscaldata(raw_dir / FD_RAW)} rows")
    print(f"{TD_OUT}: {build_treasurydirect(raw_dir / TD_RAW)} rows")
    print(f"{JQ_OUT}: {build_median_yields(raw_dir / JQ_RAW)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
