"""The card outbox: decisions whose cards must be redrawn, and notices still to send,
written in the same transaction as the audit events that caused them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "card_jobs",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("task_queue", sa.String(200), nullable=False),
        sa.Column("wanted_version", sa.Integer(), nullable=False),
        sa.Column("drawn_version", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_card_jobs"),
    )
    op.create_index("ix_card_jobs_task_queue", "card_jobs", ["task_queue"])
    op.create_table(
        "card_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(300), nullable=False),
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("notice", JSON_DOC, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_card_notices"),
        sa.UniqueConstraint("notice_id", name="uq_card_notices_notice_id"),
    )
    op.create_index("ix_card_notices_decision_id", "card_notices", ["decision_id"])


def downgrade() -> None:
    op.drop_table("card_notices")
    op.drop_table("card_jobs")
