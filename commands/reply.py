"""The reply model shared by slash commands and scheduled jobs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from charts.specs import ChartRequest
from commands import blocks
from market.publication import Dataset, published_at


class Visibility(StrEnum):
    """Who sees a reply: only the asker, or the whole channel."""

    EPHEMERAL = "ephemeral"
    IN_CHANNEL = "in_channel"


class Outcome(StrEnum):
    """How a command ended; the CLI turns this into an exit code."""

    OK = "ok"
    USAGE_ERROR = "usage_error"
    FAILED = "failed"


@dataclass(frozen=True)
class Observation:
    """One dated figure an answer shows: which dataset, observed on which day (and its close, for an auction)."""

    dataset: Dataset
    day: date
    close_time: time | None = None

    def published(self) -> datetime:
        return published_at(self.dataset, self.day, self.close_time)


@dataclass(frozen=True)
class Reply:
    """What a command answers: fallback text, Block Kit blocks and charts.

    `text` is what notifications, screen readers and clients without
    Block Kit show, so it must stand on its own.
    """

    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    charts: tuple[ChartRequest, ...] = ()
    visibility: Visibility = Visibility.EPHEMERAL
    outcome: Outcome = Outcome.OK
    # Which dated observations the answer shows, as data: each must have been public at the answer's time.
    observed: tuple[Observation, ...] = ()
    # A Slack modal view (`{"type": "modal", ...}`) to open instead of answering: the bot opens it with the
    # command's trigger_id and sends `text` (and `blocks`) only when it cannot (no Slack, trigger expired).
    modal: dict[str, Any] | None = None
    # Buttons (Block Kit button elements, built by `commands.actions`) that Slack shows in an actions block
    # after `blocks`; the text, the terminal and a message sent as text alone leave them out.
    buttons: tuple[dict[str, Any], ...] = ()

    def with_buttons(self, *buttons: dict[str, Any] | None) -> Reply:
        """The same reply with `buttons` after its own (a missing one, or one already there, left out; 25 at most)."""
        kept = list(self.buttons)
        for button in buttons:
            taken = {found["action_id"] for found in kept}
            if button is not None and button["action_id"] not in taken and len(kept) < blocks.MAX_ACTION_ELEMENTS:
                kept.append(button)
        return replace(self, buttons=tuple(kept))

    def with_observed(self, *observations: Observation) -> Reply:
        """The same reply, recording the dated observations it shows."""
        return replace(self, observed=self.observed + observations)

    def shared(self) -> Reply:
        """The same reply, posted for the whole channel."""
        return replace(self, visibility=Visibility.IN_CHANNEL)

    def with_note(self, note: str) -> Reply:
        """The same reply with a closing context line (e.g. the point in time it answers for)."""
        return replace(
            self,
            text=blocks.fallback(f"{self.text}\n{note}"),
            blocks=blocks.fit([*self.blocks, blocks.context(note)]) if self.blocks else self.blocks,
        )

    @property
    def is_in_channel(self) -> bool:
        """Replies with charts go to the channel: files cannot be ephemeral."""
        return self.visibility is Visibility.IN_CHANNEL or bool(self.charts)


def titled_reply(title: str, lines: list[str], footer: str, charts: tuple[ChartRequest, ...] = ()) -> Reply:
    """A header, the lines, and a footer with the source: the shape of most answers and posts."""
    body = "\n".join(lines)
    return Reply(
        text=blocks.fallback("\n".join([title, body, footer])),
        blocks=blocks.fit([blocks.header(title), *blocks.sections(body), blocks.context(footer)]),
        charts=charts,
    )
