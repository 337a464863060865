"""The auction history chart: bid-to-cover, bidder shares with the dealer flag, and tails, over past auctions.

Drawn for `/auction <tenor> history`, the flash and the pre-auction briefing.
"""

from __future__ import annotations

from collections.abc import Callable

from charts.specs import CategorySeries, Panel, PanelChart, Threshold
from market.records import AuctionRecord, describe_tenor


def history_chart(
    series: list[AuctionRecord],
    tenor: str,
    dealer_flag_pct: float,
    *,
    highlight_last: bool = False,
    last_tail_bp: float | None = None,
    tail_flag_bp: float = 2.0,
) -> PanelChart:
    """Bid-to-cover, bidder shares (dealer flag drawn) and tail / high − median over auctions."""
    name = describe_tenor(tenor)
    categories = tuple(r.auction_date.strftime("%Y-%m-%d") for r in series)

    def values(getter: Callable[[AuctionRecord], float | None]) -> tuple[float | None, ...]:
        return tuple(getter(r) for r in series)

    panels = [
        Panel(
            series=(
                CategorySeries(
                    "Bid-to-cover", values(lambda r: None if r.bid_to_cover is None else float(r.bid_to_cover))
                ),
            ),
            y_label="bid-to-cover (x)",
        ),
        Panel(
            series=(
                CategorySeries("Dealers", values(lambda r: r.dealer_pct)),
                CategorySeries("Indirects", values(lambda r: r.indirect_pct)),
                CategorySeries("Directs", values(lambda r: r.direct_pct)),
            ),
            y_label="% of competitive",
            thresholds=(Threshold(dealer_flag_pct, f"dealer flag {dealer_flag_pct:g}%"),),
        ),
    ]
    spread = list(values(lambda r: r.high_minus_median_bp))
    tails: list[float | None] = [None] * len(series)
    if last_tail_bp is not None and series:
        tails[-1] = last_tail_bp
    extra = []
    tail_lines: tuple[Threshold, ...] = ()
    if any(value is not None for value in tails):
        extra.append(CategorySeries("Tail vs WI", tuple(tails)))
        tail_lines = (Threshold(tail_flag_bp, f"tail flag {tail_flag_bp:g} bp"),)
    if any(value is not None for value in spread):
        extra.append(CategorySeries("High − median", tuple(spread)))
    if extra:
        panels.append(Panel(series=tuple(extra), y_label="bp", style="bar", thresholds=tail_lines))
    first, last = (series[0].auction_date, series[-1].auction_date) if series else (None, None)
    sources = sorted({r.source for r in series})
    return PanelChart(
        title=f"{name} auctions: cover, bidders, tail",
        subtitle=f"last {len(series)} auctions, {first} to {last}; shares of competitive accepted",
        categories=categories,
        panels=tuple(panels),
        filename=f"auction_{tenor}_history.png",
        alt_text=f"{name} auctions {first} to {last}: bid-to-cover, dealer, indirect and direct shares",
        source_note="Source: " + ", ".join(sources),
        highlight=len(series) - 1 if highlight_last and series else None,
    )
