"""The maturity buckets the NY Fed reports dealer positions in, and when each began.

Keys are the NY Fed Markets API's (`PDPOS…` positions, net long − short;
`PDSORA…` financing), all in $ millions. The FR 2004 changed its buckets at
series breaks: coupons over 11 years were one bucket until 2022-01-05 and are
split at 21 years since, and FRNs are reported from 2015-01-07. Before its
start a bucket is "not reported", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SPLIT_OVER_11Y = date(2022, 1, 5)
FRN_REPORTED = date(2015, 1, 7)


@dataclass(frozen=True)
class Bucket:
    """A line of the positions table: its name, the keys summed into it, and its first reported week."""

    name: str
    keys: tuple[str, ...]
    starts: date | None = None


TOTAL = Bucket("Total", ("PDPOSGST-TOT",))
BUCKETS: tuple[Bucket, ...] = (
    Bucket("Bills", ("PDPOSGS-B",)),
    Bucket("FRN", ("PDPOSGS-BFRN",), FRN_REPORTED),
    Bucket("Coupons ≤2y", ("PDPOSGSC-L2",)),
    Bucket("Coupons 2–3y", ("PDPOSGSC-G2L3",)),
    Bucket("Coupons 3–6y", ("PDPOSGSC-G3L6",)),
    Bucket("Coupons 6–7y", ("PDPOSGSC-G6L7",)),
    Bucket("Coupons 7–11y", ("PDPOSGSC-G7L11",)),
    Bucket("Coupons 11–21y", ("PDPOSGSC-G11L21",), SPLIT_OVER_11Y),
    Bucket("Coupons >21y", ("PDPOSGSC-G21",), SPLIT_OVER_11Y),
    Bucket("TIPS", ("PDPOSTIPS-L2", "PDPOSTIPS-G2", "PDPOSTIPS-G6L11", "PDPOSTIPS-G11")),
)
# Dealers' repo borrowing against Treasuries (excluding TIPS), all counterparties and terms.
REPO_FINANCING = Bucket("Repo financing", ("PDSORA-UTSETTOT",))
KEYS: tuple[str, ...] = tuple(dict.fromkeys(key for bucket in (TOTAL, *BUCKETS, REPO_FINANCING) for key in bucket.keys))
