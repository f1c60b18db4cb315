"""Routing versions of policies: ``policy_routing``.

The autonomy ladder's record of how far each policy's AI may decide alone: a version
per move, up by a signed-off policy-change decision, down by the circuit breaker or an
operator. A new table: existing rows are untouched.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_routing",
        sa.Column("policy", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("autonomy", sa.String(40), nullable=False),
        sa.Column("min_confidence", sa.Double(), nullable=False),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("policy", "version", name="pk_policy_routing"),
    )


def downgrade() -> None:
    op.drop_table("policy_routing")
