"""The tables of deskbot 0.1.0, frozen: what `Base.metadata.create_all` made before revisions.

Revision 0001 creates exactly these, and a database made by 0.1.0 (these tables, no
`alembic_version`) is checked against them before it is stamped at 0001. Later schema
changes go into new revisions, never here.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

BASELINE_REVISION = "0001"

metadata = MetaData()

Table(
    "command_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("team_id", String(32)),
    Column("channel_id", String(32)),
    Column("user_id", String(32)),
    Column("command_text", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("error_ref", String(16)),
    Column("delivered", Boolean, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_command_runs_received_at", "received_at"),
    Index("ix_command_runs_error_ref", "error_ref"),
)

Table(
    "market_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(64), nullable=False),
    Column("record_key", String(128), nullable=False),
    Column("observed_on", Date, nullable=False),
    Column("payload", Text, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset", "record_key", name="uq_market_records_dataset_key"),
    Index("ix_market_records_dataset", "dataset"),
    Index("ix_market_records_observed_on", "observed_on"),
)

Table(
    "dataset_refreshes",
    metadata,
    Column("dataset", String(64), primary_key=True),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("succeeded_at", DateTime(timezone=True)),
    Column("error", Text),
)

Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("feed", String(16), nullable=False),
    Column("tenors", String(256), nullable=False),
    Column("lead_minutes", Integer, nullable=False),
    Column("created_by", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel_id", "feed", name="uq_subscriptions_channel_feed"),
)

Table(
    "post_ledger",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("channel_id", String(32), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("claimed_by", String(64), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("message_ts", String(32)),
    Column("detail", Text),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_post_ledger_due_at", "due_at"),
)

Table(
    "seen_signatures",
    metadata,
    Column("signature", String(100), primary_key=True),
    Column("request_ts", BigInteger, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_seen_signatures_request_ts", "request_ts"),
)
