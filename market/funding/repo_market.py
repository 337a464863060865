"""Repo rates and volumes by venue (OFR): the shipped file merged with what was fetched since.

DVP and GCF are FICC's centrally cleared services, tri-party the BNY platform.
Rates are overnight/open volume-weighted means in percent; volumes are total
transaction volumes, kept in $bn. The shipped history
(`market/data/funding/ofr_repo_rates.json.gz`, the API's `series/multifull`
layout) is read by the live parser; newer days are fetched per series when asked for.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from market.publication import Dataset, PointInTime
from market.refresh import refresh_once
from market.sources.ofr import OfrObservation, OfrSource, parse_ofr_multifull
from market.store import RecordStore, StoredRecord

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "funding"
SHIPPED_FILE = "ofr_repo_rates.json.gz"
DATASET = "ofr_repo"
# Our column → OFR mnemonic.
RATES = {
    "dvp": "REPO-DVP_AR_OO-P",
    "gcf": "REPO-GCF_AR_OO-P",  # sparse: OFR withholds most days (disclosure edits)
    "gcf_all": "REPO-GCF_AR_AG-P",  # all tenors: the dense GCF rate
    "tri": "REPO-TRI_AR_OO-P",
    "tgcr": "FNYR-TGCR-A",  # the NY Fed's TGCR as OFR republishes it (from 2018)
}
VOLUMES = {"dvp_volume": "REPO-DVP_TV_TOT-P", "gcf_volume": "REPO-GCF_TV_TOT-P", "tri_volume": "REPO-TRI_TV_TOT-P"}
MNEMONICS = {**RATES, **VOLUMES}
# The series whose latest day decides whether to fetch (the venue published last).
LEAD = "REPO-TRI_AR_OO-P"


class RepoMarket:
    """OFR repo rates (%) and volumes ($bn) by day, one column per series."""

    def __init__(self, store: RecordStore, source: OfrSource | None = None, shipped: Path = SHIPPED) -> None:
        self.store = store
        self.source = source
        self.shipped = shipped
        self._frame: pd.DataFrame | None = None

    def observations(self) -> dict[str, dict[date, Decimal | None]]:
        """Each mnemonic's values by day: shipped, with stored ones laid over them."""
        with gzip.open(self.shipped / SHIPPED_FILE, "rt", encoding="utf-8") as handle:
            shipped = parse_ofr_multifull(json.load(handle))
        merged = {mnemonic: {o.day: o.value for o in shipped.get(mnemonic, [])} for mnemonic in MNEMONICS.values()}
        for record in self.store.load(DATASET):
            raw = record.values.get("value")
            merged.setdefault(record.values["mnemonic"], {})[record.observed_on] = None if raw is None else Decimal(raw)
        return merged

    def frame(self) -> pd.DataFrame:
        """Rates in percent, volumes in $bn, by day (NaN = not published); a copy."""
        if self._frame is None:
            observed = self.observations()
            columns = {}
            for column, mnemonic in MNEMONICS.items():
                scale = 1e9 if column in VOLUMES else 1.0
                values = {pd.Timestamp(day): float(v) / scale for day, v in observed[mnemonic].items() if v is not None}
                columns[column] = pd.Series(values, dtype=float)
            self._frame = pd.DataFrame(columns).sort_index()
        return self._frame.copy()

    def latest(self) -> date | None:
        """The newest day with a tri-party rate."""
        rates = self.frame()["tri"].dropna()
        return None if rates.empty else rates.index[-1].date()

    def refresh(self, as_of: date, now: datetime) -> list[str]:
        """Fetch days after the newest held one that were public by `now` (up to `as_of`); notes on failure."""
        held = self.latest()
        wanted = min(as_of, PointInTime(now).latest_day(Dataset.OFR_REPO))
        if self.source is None or held is None or wanted <= held:
            return []
        attempt = refresh_once(
            self.store, DATASET, now, lambda: self._fetch(wanted), f"repo rates on record through {held}"
        )
        if attempt.stored:
            self._frame = None
        return [attempt.note] if attempt.note else []

    def _fetch(self, until: date) -> int:
        """Every series from the day after its own newest held one; nothing is stored unless all were read."""
        assert self.source is not None
        observed = self.observations()
        records: list[StoredRecord] = []
        for mnemonic in (LEAD, *(m for m in MNEMONICS.values() if m != LEAD)):
            days = [day for day, value in observed[mnemonic].items() if value is not None]
            start = max(days) + timedelta(days=1) if days else None
            if start is not None and start > until:
                continue
            fetched: list[OfrObservation] = self.source.timeseries(mnemonic, start, until)
            for o in fetched:
                if o.day <= until and (start is None or o.day >= start):
                    values = {"mnemonic": mnemonic, "value": None if o.value is None else str(o.value)}
                    records.append(StoredRecord(f"{mnemonic}:{o.day}", o.day, values))
        return self.store.upsert(DATASET, records)
