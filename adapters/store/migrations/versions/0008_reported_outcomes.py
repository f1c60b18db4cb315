"""Real-world outcomes the application reports: ``reported_outcomes``.

Projected from each ``outcome_reported`` audit event (the chain stays the record), one
row per report, apart from experts' ``ground_truth`` so label sources stay apart. A new
table: existing rows are untouched; outcomes reported before it existed were never
possible, so there is nothing to backfill.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reported_outcomes",
        sa.Column("event_id", sa.String(300), nullable=False),
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name="pk_reported_outcomes"),
    )
    op.create_index(
        "ix_reported_outcomes_decision_id_happened_at",
        "reported_outcomes",
        ["decision_id", "at"],
    )
    op.create_index("ix_reported_outcomes_source", "reported_outcomes", ["source"])


def downgrade() -> None:
    op.drop_table("reported_outcomes")
