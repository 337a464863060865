"""The dealer-takedown forecast as one line of a preview or briefing, and forecast against actual in a flash."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from commands import blocks
from commands.formatting import share
from commands.reply import Reply
from commands.services import BriefingServices
from market.analytics.takedown import NoForecast, TakedownForecast, TakedownInputs, forecast_takedown
from market.records import AuctionRecord


def takedown_forecast(
    services: BriefingServices, record: AuctionRecord, as_of: datetime
) -> TakedownForecast | NoForecast:
    """The forecast from what was public at `as_of` (at most the auction's close), or why there is none."""
    if services.auctions is None or services.yields is None:
        return NoForecast(record.tenor, "no forecast (the auction history or the par curve is not available here)")
    inputs = TakedownInputs(services.auctions.records(), services.yields.closes)
    return forecast_takedown(record, inputs, as_of)


def _range(forecast: TakedownForecast) -> str:
    return f"80% range {forecast.low:.1f}–{forecast.high:.1f}%"


def forecast_line(forecast: TakedownForecast | NoForecast, flag_pct: float) -> str:
    """`Dealers expected to take 14.2% (80% range 9.8–19.0%) — drivers: …`, flagged when the range reaches the line."""
    if isinstance(forecast, NoForecast):
        return f"Dealers: {forecast.reason}."
    flagged = forecast.high >= flag_pct
    reach = f", reaching the {flag_pct:g}% flag line" if flagged else ""
    said = "; ".join(forecast.drivers) or "none stands out"
    return (
        f"{':warning: ' if flagged else ''}Dealers expected to take {share(forecast.point)} ({_range(forecast)}{reach})"
        f" — drivers: {said}; prior-six average {share(forecast.prior_mean)}, fitted on "
        f"{forecast.training_size} earlier auctions."
    )


def outcome_line(forecast: TakedownForecast | NoForecast, actual: float | None) -> str | None:
    """`Dealers 10.7% vs 14.2% expected (80% range …)`, with where the result fell; None without a result."""
    if actual is None:
        return None
    if isinstance(forecast, NoForecast):
        return f"Dealers {share(actual)} — {forecast.reason}."
    where = "inside the range"
    if actual > forecast.high:
        where = "above the range"
    elif actual < forecast.low:
        where = "below the range"
    return f"Dealers {share(actual)} vs {share(forecast.point)} expected ({_range(forecast)}; {where})"


def after_headline(reply: Reply, line: str) -> Reply:
    """`reply` with `line` under its headline: the second line of the text and of the first section."""
    text = reply.text.split("\n")
    built = list(reply.blocks)
    for index, block in enumerate(built):
        if block.get("type") == "section":
            first, _, rest = str(block["text"]["text"]).partition("\n")
            body = "\n".join(part for part in (first, line, rest) if part)
            built[index : index + 1] = blocks.sections(body)
            break
    return replace(reply, text=blocks.fallback("\n".join([*text[:2], line, *text[2:]])), blocks=blocks.fit(built))
