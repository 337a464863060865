"""Tables deskbot keeps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base for every deskbot table."""


class CommandRun(Base):
    """One slash command answered: who asked what, how it ended, how long it took.

    Lets an operator find the request behind an error reference and see
    what the desk actually uses.
    """

    __tablename__ = "command_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    command_text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    error_ref: Mapped[str | None] = mapped_column(String(16), index=True)
    delivered: Mapped[bool] = mapped_column(default=False)
    duration_ms: Mapped[int] = mapped_column(Integer)


class MarketRecord(Base):
    """One record fetched from a live source (a day's curve, an auction result, …).

    Shipped history lives in the package; this table holds what the bot
    fetched since, keyed so a re-fetch replaces rather than duplicates.
    """

    __tablename__ = "market_records"
    __table_args__ = (UniqueConstraint("dataset", "record_key", name="uq_market_records_dataset_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(64), index=True)
    record_key: Mapped[str] = mapped_column(String(128))
    observed_on: Mapped[date] = mapped_column(Date, index=True)
    payload: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatasetRefresh(Base):
    """The latest attempt to refresh a dataset, so an answer can say how old its data is."""

    __tablename__ = "dataset_refreshes"

    dataset: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class SubscriptionRow(Base):
    """A channel's subscription to one feed (briefings, flash, daily, weekly, alerts)."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("channel_id", "feed", name="uq_subscriptions_channel_feed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    feed: Mapped[str] = mapped_column(String(16))
    tenors: Mapped[str] = mapped_column(String(256))
    lead_minutes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    """One scheduled post: claimed before it is sent, marked sent after, so it happens once.

    The key is stable across restarts and instances (kind, channel, auction or date).
    """

    __tablename__ = "post_ledger"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(16))  # claimed, sent, skipped, given_up
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SeenSignature(Base):
    """A Slack request signature already accepted, so the same request is refused if sent again.

    Kept in the database so every instance behind a load balancer shares it;
    rows are purged once their timestamp is past the signature window.
    """

    __tablename__ = "seen_signatures"

    signature: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_ts: Mapped[int] = mapped_column(BigInteger, index=True)  # Slack's X-Slack-Request-Timestamp
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
