"""Every chart kind deskbot draws, for a set of dates, as PNG files to look at side by side.

Each chart comes from a real command run through the command path (`bot.execution.execute`)
over the shipped data (SQLite in a temporary folder, no network), as of the close of each
date. Next to each full-size PNG the gallery writes a copy 360 px wide, the size Slack
shows in a channel before the image is opened, and `index.txt` lists every command with
its chart file, or the answer's first line when it drew none (e.g. no SOFR before 2018).
Run from the project root:

    python bench/chart_gallery.py --out /tmp/gallery
    python bench/chart_gallery.py --out /tmp/gallery --as-of 2019-09-17
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.execution import execute  # noqa: E402
from bot.storage.database import create_database  # noqa: E402
from bot.storage.market_store import SqlRecordStore  # noqa: E402
from commands.context import DESK_TZ, CommandContext  # noqa: E402
from commands.dispatch import build_registry  # noqa: E402
from commands.registry import Registry  # noqa: E402
from commands.services import BriefingServices, Services  # noqa: E402
from market.auctions.book import AuctionBook  # noqa: E402
from market.funding.book import FundingBook  # noqa: E402
from market.yields.history import YieldHistory  # noqa: E402

DATES = (date(2025, 4, 11), date(2019, 9, 17), date(2020, 3, 18), date(2006, 2, 9))
# Commands asked on every date (each `--as-of` the date), one per chart kind and variant.
COMMANDS = (
    "/yields 30y",
    "/yields 2y 10y 30y",
    "/curve",
    "/funding",
    "/basis",
    "/basis positioning",
    "/auction 10y history",
    "/auction 30y history",
)
# Asked once, as typed: the 20-year span, a short span, and the posts that carry an auction or curve chart.
EXTRA = (
    (date(2025, 4, 11), "/yields 30y --since 2005-04-11 --as-of 2025-04-11"),
    (date(2025, 4, 11), "/yields 10y --since 2005-04-11 --as-of 2025-04-11"),
    (date(2025, 4, 11), "/yields 10y --days 30 --as-of 2025-04-11"),
    (date(2025, 4, 11), "/auction 10y 2025-04-09 history wi=4.46"),
    (date(2025, 4, 9), "/briefing 10y 2025-04-09"),
    (date(2025, 4, 9), "/flash 10y 2025-04-09"),
    (date(2025, 4, 11), "/summary weekly 2025-04-11"),
)
PREVIEW_WIDTH = 360
# Typed as slash commands of their own, as a desk's workspace sets them up.
SHORT_COMMANDS = {
    f"/{name}": name for name in ("yields", "curve", "auction", "funding", "basis", "briefing", "flash", "summary")
}


def offline_registry(folder: Path) -> Registry:
    """Every command over the shipped data alone (no upstream is configured, so nothing is fetched)."""
    store = SqlRecordStore(create_database(f"sqlite:///{folder / 'gallery.sqlite3'}"))
    yields = YieldHistory(store)
    auctions = AuctionBook(store)
    funding = FundingBook(store, closes=yields.closes)
    briefings = BriefingServices(yields=yields, auctions=auctions, funding=funding, skipped_posts=lambda s, e: [])
    services = Services(store=store, yields=yields, auctions=auctions, funding=funding, briefings=briefings)
    return build_registry(services)


def context(day: date) -> CommandContext:
    """A desk member asking a few days after `day` (everything for it published); `--as-of` picks the close."""
    later = datetime.combine(day + timedelta(days=4), clock_time(12, 0), tzinfo=DESK_TZ)
    return CommandContext(now=later, user_id="U0GALLERY", short_commands=SHORT_COMMANDS)


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.removeprefix("/")).strip("-").replace("--", "-")


def preview(png: bytes, width: int = PREVIEW_WIDTH) -> bytes:
    """`png` scaled to `width` pixels wide, as Slack shows it in the channel."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    height = round(image.height * width / image.width)
    out = io.BytesIO()
    image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


def write_gallery(out: Path, dates: tuple[date, ...], extra: bool = True) -> list[str]:
    from charts.render import render_png

    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        registry = offline_registry(Path(folder))
        asks = [(day, f"{text} --as-of {day}") for day in dates for text in COMMANDS]
        if extra:
            asks += list(EXTRA)
        for day, typed in asks:
            text = typed.split(" --as-of")[0]
            started = time.perf_counter()
            reply, ref = execute(typed, context(day), registry)
            elapsed = time.perf_counter() - started
            if ref is not None:
                lines.append(f"{typed}: FAILED (ref {ref})")
                continue
            if not reply.charts:
                first = reply.text.splitlines()[0] if reply.text else ""
                why = [line for line in reply.text.splitlines() if line.startswith("No ") and "chart" in line]
                lines.append(f"{typed}: no chart ({elapsed:.2f} s) — {(why or [first])[0]}")
                continue
            for index, chart in enumerate(reply.charts):
                name = f"{day}_{slug(text)}" + (f"_{index + 1}" if len(reply.charts) > 1 else "")
                png = render_png(chart)
                (out / f"{name}.png").write_bytes(png)
                (out / f"{name}.360px.png").write_bytes(preview(png))
                lines.append(f"{typed}: {name}.png ({elapsed:.2f} s) — {chart.title.splitlines()[0]}")
    (out / "index.txt").write_text("\n".join(lines) + "\n")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--as-of", type=date.fromisoformat, action="append", metavar="YYYY-MM-DD")
    args = parser.parse_args()
    dates = tuple(args.as_of) if args.as_of else DATES
    for line in write_gallery(args.out, dates, extra=not args.as_of):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
