"""The tables of deskbot 0.1.0.

Revision ID: 0001
Revises:
Create Date: 2025-04-11
"""

from __future__ import annotations

from alembic import op

from bot.storage.migrations.baseline import BASELINE_REVISION, metadata

revision: str = BASELINE_REVISION
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), checkfirst=False)
