"""Console sessions that were signed out: ``console_sessions_ended``.

A console session is a signed cookie that lives 8 hours; signing out asks the browser to
forget it, but a copy taken before would still pass its signature. This table holds the
id of every session signed out until the cookie would have expired anyway (then it is
pruned), so every server process sharing the store refuses a copy at once. A new table:
existing rows are untouched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions_ended",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_console_sessions_ended"),
    )
    op.create_index(
        "ix_console_sessions_ended_expires_at", "console_sessions_ended", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_table("console_sessions_ended")
