"""Subscriptions in the bot's database (`commands.schedule.model.SubscriptionStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import SubscriptionRow
from commands.schedule.model import Feed, Subscription


class SqlSubscriptionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def all(self) -> list[Subscription]:
        with self._sessions() as session:
            rows = session.scalars(select(SubscriptionRow).order_by(SubscriptionRow.channel_id, SubscriptionRow.feed))
            return [
                Subscription(
                    channel_id=row.channel_id,
                    feed=Feed(row.feed),
                    tenors=tuple(t for t in row.tenors.split(",") if t),
                    lead_minutes=row.lead_minutes,
                    created_by=row.created_by,
                )
                for row in rows
            ]

    def put(self, subscription: Subscription) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.channel_id == subscription.channel_id,
                    SubscriptionRow.feed == subscription.feed.value,
                )
            )
            session.add(
                SubscriptionRow(
                    channel_id=subscription.channel_id,
                    feed=subscription.feed.value,
                    tenors=",".join(subscription.tenors),
                    lead_minutes=subscription.lead_minutes,
                    created_by=subscription.created_by,
                    created_at=datetime.now(UTC),
                )
            )

    def remove(self, channel_id: str, feeds: Sequence[Feed]) -> int:
        with self._sessions.begin() as session:
            result = session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.channel_id == channel_id, SubscriptionRow.feed.in_([f.value for f in feeds])
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
