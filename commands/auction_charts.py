"""The auction history chart: high yield, tail, bid-to-cover and bidder shares over past auctions, by date.

Drawn for `/auction <tenor> history`, the flash and the pre-auction briefing.
"""

from __future__ import annotations

from collections.abc import Callable

from charts.labels import as_of_text, span_text
from charts.specs import CategorySeries, Panel, PanelChart, Threshold
from market.records import AuctionRecord, Kind, describe_tenor

# What clears the auction, by kind: the panel's name and unit.
LEVEL_NAMES = {Kind.BILL: "High rate", Kind.CMB: "High rate", Kind.FRN: "High margin"}
TAIL_LABEL = "Tail (bp)"


def history_chart(
    series: list[AuctionRecord],
    tenor: str,
    dealer_flag_pct: float,
    *,
    highlight_last: bool = False,
    last_tail_bp: float | None = None,
    tail_flag_bp: float = 2.0,
) -> PanelChart:
    """Panels over the auctions in `series` (oldest first), each drawn only when the data has it:

    the clearing level (high yield), the tail as bars (vs WI where known, i.e. `last_tail_bp` for the
    latest auction, else high − median), bid-to-cover, and bidder shares with the dealer flag line.
    The title names exactly the panels drawn.
    """
    name = describe_tenor(tenor)

    def values(getter: Callable[[AuctionRecord], float | None]) -> tuple[float | None, ...]:
        return tuple(getter(r) for r in series)

    panels: list[Panel] = []
    names: list[str] = []
    kind = series[-1].kind if series else Kind.NOMINAL
    level_name = LEVEL_NAMES.get(kind, "High yield")
    levels = values(lambda r: None if r.stop is None else float(r.stop))
    if any(value is not None for value in levels):
        panels.append(Panel(series=(CategorySeries(level_name, levels),), y_label=f"{level_name} (%)"))
        names.append(level_name.lower())

    wi_tails: list[float | None] = [None] * len(series)
    if last_tail_bp is not None and series:
        wi_tails[-1] = last_tail_bp
    # One bar per auction: the tail vs WI where the desk gave a WI, else high − median.
    spread = [None if wi is not None else hm for wi, hm in zip(wi_tails, values(_high_minus_median), strict=True)]
    tail_series = []
    if any(value is not None for value in wi_tails):
        tail_series.append(CategorySeries("Tail vs WI", tuple(wi_tails)))
    if any(value is not None for value in spread):
        tail_series.append(CategorySeries("High − median", tuple(spread)))
    if tail_series:
        flag = (Threshold(tail_flag_bp, f"tail flag {tail_flag_bp:g} bp"),) if wi_tails[-1] is not None else ()
        panels.append(Panel(series=tuple(tail_series), y_label=TAIL_LABEL, style="bar", thresholds=flag))
        labels = [s.label for s in tail_series]
        names.append("tail vs WI" if labels == ["Tail vs WI"] else "high − median" if len(labels) == 1 else "tail")

    covers = values(lambda r: None if r.bid_to_cover is None else float(r.bid_to_cover))
    if any(value is not None for value in covers):
        panels.append(Panel(series=(CategorySeries("Bid-to-cover", covers),), y_label="Bid-to-cover (x)"))
        names.append("bid-to-cover")

    shares = (
        CategorySeries("Dealers", values(lambda r: r.dealer_pct)),
        CategorySeries("Indirects", values(lambda r: r.indirect_pct)),
        CategorySeries("Directs", values(lambda r: r.direct_pct)),
    )
    if any(value is not None for share in shares for value in share.values):
        panels.append(
            Panel(
                series=shares,
                y_label="Bidders (%)",
                thresholds=(Threshold(dealer_flag_pct, f"dealer\nflag {dealer_flag_pct:g}%"),),
            )
        )
        names.append("bidder shares")

    days = tuple(r.auction_date for r in series)
    span = span_text(days[0], days[-1]) if days else "no auctions"
    sources = ", ".join(sorted({r.source for r in series}))
    detail = f"Last {len(series)} auctions; shares of competitive accepted"
    if highlight_last and series:
        detail += "; latest highlighted"
    if not tail_series and series:
        detail += "; no tail: no WI given and the source has no median yield"
    return PanelChart(
        title=f"{name} auctions, {span}: " + ", ".join(names),
        subtitle=as_of_text(sources, days[-1], detail) if days else detail,
        categories=tuple(day.isoformat() for day in days),
        dates=days,
        panels=tuple(panels),
        filename=f"auction_{tenor}_history.png",
        alt_text=f"{name} auctions {span}: " + ", ".join(names),
        highlight=len(series) - 1 if highlight_last and series else None,
    )


def _high_minus_median(record: AuctionRecord) -> float | None:
    value = record.high_minus_median_bp
    return None if value is None else round(value, 1)
