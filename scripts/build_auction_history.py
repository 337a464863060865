"""Build the auction history shipped in `market/data/auctions/` from the raw public files.

    python scripts/build_auction_history.py /path/to/shared/data/auctions

Keeps each source's own layout and field names (only the columns deskbot
reads), so the shipped files go through the same parsers as live answers.
The one derived value: the Fiscal Data CSV's `kind` column (added by the
repository it came from) becomes the API's own `inflation_index_security`
and `floating_rate` markers. The script checks that deskbot's tenor for
every row equals that repository's `tenor` column, and that the small-value
test auctions are exactly the rows it marked.

Bills join two copies of TreasuryDirect's `jqsearch`: every auction (no
auction date) and the original issues (with it, and bidder classes). A
reopening's auction date, `type` and `reopening` are established as
`bill_rows` says; an auction whose date cannot be established is left out.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from market.records import Kind  # noqa: E402
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
# A bill figure: the bond JSON keeps the fields it was built with, without this always-empty one.
BOND_JSON_SKIPS = frozenset({"averageMedianDiscountRate"})
ORIGINALS_RAW = (
    "treasurydirect_all/treasurydirect_jqsearch_original_issues_allfields_1979-2026-04__nguyenhaitran.csv.gz"
)
BILLS_OUT = "treasurydirect_jqsearch_bills_2019_2025.csv.gz"
BILL_COLUMNS = (
    "cusip",
    "auctionDate",
    "issueDate",
    "maturityDate",
    "securityType",
    "type",
    "securityTerm",
    "reopening",
    "closingTimeCompetitive",
    "offeringAmount",
    "highDiscountRate",
    "averageMedianDiscountRate",
    "highInvestmentRate",
    "bidToCoverRatio",
    "totalAccepted",
    "competitiveAccepted",
    "primaryDealerAccepted",
    "directBidderAccepted",
    "indirectBidderAccepted",
    "somaAccepted",
)
# Fields both jqsearch copies carry for an original issue: they must agree, or it is not the same auction.
BILL_SHARED_FIELDS = (
    "securityTerm",
    "maturityDate",
    "closingTimeCompetitive",
    "offeringAmount",
    "highDiscountRate",
    "highInvestmentRate",
    "bidToCoverRatio",
    "totalAccepted",
)
# Fields only the original-issues copy has (the first auction of each CUSIP).
BILL_ORIGINAL_ONLY = (
    "auctionDate",
    "type",
    "reopening",
    "averageMedianDiscountRate",
    "competitiveAccepted",
    "primaryDealerAccepted",
    "directBidderAccepted",
    "indirectBidderAccepted",
    "somaAccepted",
)
# The same years as the notes and bonds file, so both families' shipped history ends together.
BILLS_FROM, BILLS_THROUGH = "2019-01-01", "2025-12-31"
# Results post within minutes of the close; a record stamped this soon after it was stamped by its own result.
RESULT_STAMP_MINUTES = 10


def build_median_yields(raw: Path, out: Path = OUT) -> int:
    """TreasuryDirect's high, median and low yields of every note, bond and TIPS auction issued from 2019.

    The Fiscal Data extract has no median yield; this file is keyed, as TreasuryDirect keys
    it, by CUSIP and issue date, and kept in TreasuryDirect's own field names and strings.
    The raw CSV repeats `issueDate`; the first copy is kept.
    """
    rows = _read_jqsearch(raw)
    kept = [
        row
        for row in rows
        if row["issueDate"][:10] >= "2019-01-01"
        and row["averageMedianYield"]
        and row["securityType"] in ("Note", "Bond")
    ]
    return _write_csv_gz(out / JQ_OUT, JQ_COLUMNS, kept)


def _read_jqsearch(raw: Path) -> list[dict[str, str]]:
    """A gzipped jqsearch CSV as rows; of a repeated column (UWA's second `issueDate`) the first copy wins."""
    with gzip.open(raw, "rt", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return [dict(zip(header, row, strict=False)) for row in reader]


@dataclass(frozen=True)
class BillsBuild:
    """What the bill build wrote and left out, and how the auction-date rule fared where the date is known."""

    written: int
    originals: int
    reopenings: int
    left_out: int
    rule_agrees: int
    rule_differs: int
    rule_silent: int


Key = tuple[str, str]


def _key(row: dict[str, str]) -> Key:
    return row["cusip"], row["issueDate"][:10]


def stamped_auction_day(row: dict[str, str]) -> str | None:
    """The day of `updatedTimestamp` where that stamp can only be the auction's own result posting.

    TreasuryDirect stamps a record when its result posts, minutes after the competitive close,
    but also when it re-issues records later; a stamp counts only if it falls before the issue
    date and within `RESULT_STAMP_MINUTES` after the close.
    """
    if not row["updatedTimestamp"] or not row["closingTimeCompetitive"]:
        return None
    stamp = datetime.fromisoformat(row["updatedTimestamp"])
    close = datetime.combine(stamp.date(), datetime.strptime(row["closingTimeCompetitive"], "%I:%M %p").time())
    minutes = (stamp - close).total_seconds() / 60
    if stamp.date().isoformat() >= row["issueDate"][:10] or not 0 <= minutes <= RESULT_STAMP_MINUTES:
        return None
    return stamp.date().isoformat()


def restamped_days(rows: list[dict[str, str]], known: dict[Key, str]) -> set[Key]:
    """(issue date, stamp day) pairs on which a record of known auction date was stamped by a later event.

    Records sharing an issue date are stamped together when one of them posts (or when records are
    re-issued), so every stamp of such a day is doubtful, not only the one seen to be wrong.
    """
    return {
        (row["issueDate"][:10], row["updatedTimestamp"][:10])
        for row in rows
        if _key(row) in known and row["updatedTimestamp"][:10] != known[_key(row)]
    }


def reopening_day(row: dict[str, str], doubtful: set[Key]) -> str | None:
    """The auction day of a record the original-issues copy does not date: its result stamp, if not doubtful."""
    stamped = stamped_auction_day(row)
    return None if stamped is None or (row["issueDate"][:10], stamped) in doubtful else stamped


def _trial(found: str | None, known: str) -> str:
    """How a date the rule found compares with the known one."""
    return "silent" if found is None else "agrees" if found == known else "differs"


def check_stamp_rule(all_auctions: list[dict[str, str]], dated: dict[Key, str], doubtful: set[Key]) -> Counter[str]:
    """How the reopening rule fares on records whose auction date another source gives (agrees/differs/silent)."""
    outcome: Counter[str] = Counter()
    for row in all_auctions:
        if _key(row) in dated:
            outcome[_trial(reopening_day(row, doubtful), dated[_key(row)])] += 1
    return outcome


def bill_type(term: str) -> str:
    """TreasuryDirect's per-auction `type`: a bill's term is in weeks, a cash management bill's in days."""
    return "CMB" if term.endswith("-Day") else "Bill"


def _original_row(row: dict[str, str], original: dict[str, str]) -> dict[str, str]:
    """An original issue: the all-auctions row, checked against and completed from the original-issues row."""
    for name in BILL_SHARED_FIELDS:
        if row[name] != original[name]:
            raise SystemExit(f"{_key(row)}: {name} {row[name]!r} != {original[name]!r}")
    if original["type"] != bill_type(row["securityTerm"]) or original["reopening"] != "No":
        raise SystemExit(f"{_key(row)}: type {original['type']!r}, reopening {original['reopening']!r}")
    return {**row, **{name: original[name] for name in BILL_ORIGINAL_ONLY}}


def _reopening_row(row: dict[str, str], day: str, first_issue: dict[str, str]) -> dict[str, str]:
    """A reopening: not among the original issues, its CUSIP first issued earlier."""
    if first_issue[row["cusip"]] >= row["issueDate"]:
        raise SystemExit(f"{_key(row)}: not an original issue, yet no earlier issue of its CUSIP")
    unknown = dict.fromkeys(BILL_ORIGINAL_ONLY, "")  # bidder classes and the median: original issues only
    return {
        **row,
        **unknown,
        "auctionDate": f"{day}T00:00:00",
        "type": bill_type(row["securityTerm"]),
        "reopening": "Yes",
    }


def _in_years(day: str) -> bool:
    return BILLS_FROM <= day <= BILLS_THROUGH


def bill_rows(
    all_auctions: list[dict[str, str]], originals: list[dict[str, str]]
) -> tuple[list[dict[str, str]], BillsBuild]:
    """Every bill and CMB auction from `BILLS_FROM` to `BILLS_THROUGH` whose auction date is established.

    Original issues take the original-issues copy's `auctionDate`; a reopening takes its result
    stamp (`stamped_auction_day`) unless a record of known date (of any type) was restamped that
    day. The stamp rule is also tried on the original bill issues, to count how often it agrees.
    """
    known = {_key(row): row["auctionDate"][:10] for row in originals}
    by_key = {_key(row): row for row in originals}
    doubtful = restamped_days(all_auctions, known)
    first_issue: dict[str, str] = {}
    for row in all_auctions:
        first_issue[row["cusip"]] = min(first_issue.get(row["cusip"], row["issueDate"]), row["issueDate"])
    rows: list[dict[str, str]] = []
    left_out = 0
    trials: list[str] = []
    for row in (r for r in all_auctions if r["securityType"] == "Bill" and r["bidToCoverRatio"]):
        if _key(row) in known:
            auctioned = known[_key(row)]
            if _in_years(auctioned):
                trials.append(_trial(stamped_auction_day(row), auctioned))
                rows.append(_original_row(row, by_key[_key(row)]))
        elif (stamped := reopening_day(row, doubtful)) is not None:
            if _in_years(stamped):
                rows.append(_reopening_row(row, stamped, first_issue))
        else:
            left_out += _in_years(row["issueDate"][:10])
    rows.sort(key=lambda row: (row["auctionDate"], row["cusip"], row["issueDate"]))
    originals_kept = sum(1 for row in rows if row["reopening"] == "No")
    summary = BillsBuild(
        written=len(rows),
        originals=originals_kept,
        reopenings=len(rows) - originals_kept,
        left_out=left_out,
        rule_agrees=trials.count("agrees"),
        rule_differs=trials.count("differs"),
        rule_silent=trials.count("silent"),
    )
    return rows, summary


def build_bills(all_auctions_raw: Path, originals_raw: Path, out: Path = OUT) -> BillsBuild:
    """TreasuryDirect's bill and CMB auctions 2019-2025, in jqsearch's own field names and strings."""
    all_auctions = _read_jqsearch(all_auctions_raw)
    rows, summary = bill_rows(all_auctions, _read_jqsearch(originals_raw))
    _write_csv_gz(out / BILLS_OUT, BILL_COLUMNS, rows)
    written = csv.DictReader(io.StringIO(gzip.decompress((out / BILLS_OUT).read_bytes()).decode()))
    for record in parse_treasurydirect(list(written)):  # read back as deskbot reads it
        if record.kind not in (Kind.BILL, Kind.CMB) or not record.has_results:
            raise SystemExit(f"{record.key}: read back as {record.kind}, results {record.has_results}")
    return summary


def stamp_rule_on_notes_and_bonds(raw_dir: Path) -> Counter[str]:
    """The reopening rule tried on every note and bond auction 2019-2025, which Fiscal Data dates."""
    all_auctions = _read_jqsearch(raw_dir / JQ_RAW)
    originals = _read_jqsearch(raw_dir / ORIGINALS_RAW)
    doubtful = restamped_days(all_auctions, {_key(row): row["auctionDate"][:10] for row in originals})
    with (raw_dir / FD_RAW).open(newline="") as handle:
        dated = {(row["cusip"], row["issue_date"]): row["auction_date"] for row in csv.DictReader(handle)}
    return check_stamp_rule(all_auctions, dated, doubtful)


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
    keep = set(TD_FIELDS.values()) - BOND_JSON_SKIPS
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
    bills = build_bills(raw_dir / JQ_RAW, raw_dir / ORIGINALS_RAW)
    print(f"{BILLS_OUT}: {bills.written} rows ({bills.originals} original issues, {bills.reopenings} reopenings)")
    print(f"  left out, auction date not established: {bills.left_out}")
    print(
        f"  stamp rule on the original issues: agrees {bills.rule_agrees}, differs {bills.rule_differs}, "
        f"gives no date {bills.rule_silent}"
    )
    print(f"  reopening rule on the notes and bonds Fiscal Data dates: {dict(stamp_rule_on_notes_and_bonds(raw_dir))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
