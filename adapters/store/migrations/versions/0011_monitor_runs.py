"""Drift monitor runs: ``monitor_runs``.

One row per use case and run time, holding what the run read (its readings, its
override-rate CUSUM, whom an alarm went to): the first written is kept, so a retried run
acts on the same readings, and the latest carries the CUSUM to the next. A new table:
existing rows are untouched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "monitor_runs",
        sa.Column("use_case", sa.String(200), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alarmed", sa.Boolean(), nullable=False),
        sa.Column("run", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("use_case", "as_of", name="pk_monitor_runs"),
    )
    op.create_index("ix_monitor_runs_alarmed", "monitor_runs", ["alarmed"])


def downgrade() -> None:
    op.drop_index("ix_monitor_runs_alarmed", table_name="monitor_runs")
    op.drop_table("monitor_runs")
