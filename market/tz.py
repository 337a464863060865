"""The desk's clock: New York time is a market fact, not a Slack setting."""

from __future__ import annotations

from zoneinfo import ZoneInfo

DESK_TZ = ZoneInfo("America/New_York")
