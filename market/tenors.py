"""The curve's tenors, as a desk writes them, with every spelling the sources use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tenor:
    """One point of the par curve."""

    key: str  # as a desk types it: "30y", "1.5m"
    years: float  # time to maturity, for drawing the curve to scale
    treasury_csv: tuple[str, ...]  # Treasury CSV headers (re-saved copies vary)
    treasury_xml: str  # d:BC_… element of the XML feed
    fred: str  # FRED series id ("" when FRED has none)


TENORS: tuple[Tenor, ...] = (
    Tenor("1m", 1 / 12, ("1 Mo",), "BC_1MONTH", "DGS1MO"),
    Tenor("1.5m", 1.5 / 12, ("1.5 Month", "1.5 Mo"), "BC_1_5MONTH", ""),
    Tenor("2m", 2 / 12, ("2 Mo",), "BC_2MONTH", ""),
    Tenor("3m", 3 / 12, ("3 Mo",), "BC_3MONTH", "DGS3MO"),
    Tenor("4m", 4 / 12, ("4 Mo",), "BC_4MONTH", ""),
    Tenor("6m", 6 / 12, ("6 Mo",), "BC_6MONTH", "DGS6MO"),
    Tenor("1y", 1.0, ("1 Yr",), "BC_1YEAR", "DGS1"),
    Tenor("2y", 2.0, ("2 Yr",), "BC_2YEAR", "DGS2"),
    Tenor("3y", 3.0, ("3 Yr",), "BC_3YEAR", "DGS3"),
    Tenor("5y", 5.0, ("5 Yr",), "BC_5YEAR", "DGS5"),
    Tenor("7y", 7.0, ("7 Yr",), "BC_7YEAR", "DGS7"),
    Tenor("10y", 10.0, ("10 Yr",), "BC_10YEAR", "DGS10"),
    Tenor("20y", 20.0, ("20 Yr",), "BC_20YEAR", "DGS20"),
    Tenor("30y", 30.0, ("30 Yr",), "BC_30YEAR", "DGS30"),
)

TENOR_KEYS: tuple[str, ...] = tuple(tenor.key for tenor in TENORS)
BY_KEY: dict[str, Tenor] = {tenor.key: tenor for tenor in TENORS}
BY_CSV_HEADER: dict[str, str] = {header.lower(): tenor.key for tenor in TENORS for header in tenor.treasury_csv}
BY_XML_FIELD: dict[str, str] = {tenor.treasury_xml: tenor.key for tenor in TENORS}
BY_FRED_ID: dict[str, str] = {tenor.fred: tenor.key for tenor in TENORS if tenor.fred}

# What a desk may type for a tenor, beyond its key.
_ALIASES = {
    "1mo": "1m",
    "2mo": "2m",
    "3mo": "3m",
    "4mo": "4m",
    "6mo": "6m",
    "6w": "1.5m",
    "12m": "1y",
    "1yr": "1y",
    "2yr": "2y",
    "3yr": "3y",
    "5yr": "5y",
    "7yr": "7y",
    "10yr": "10y",
    "20yr": "20y",
    "30yr": "30y",
    "bonds": "30y",
    "tens": "10y",
    "twos": "2y",
    "fives": "5y",
}


def tenor_key(text: str) -> str | None:
    """The tenor key for what a user typed (`30Y`, `30yr`, `1.5m`), or None."""
    word = text.strip().lower()
    if word in BY_KEY:
        return word
    return _ALIASES.get(word)
