"""The trace context of the audit write that queued a card job: ``card_jobs.trace``.

A card is drawn by the worker's outbox after the write that asked for it, outside that
write's trace; keeping the write's W3C trace context (``traceparent``) beside the job lets
the drawing continue the same trace. A nullable column: existing jobs simply have none.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("card_jobs") as batch:
        batch.add_column(sa.Column("trace", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card_jobs") as batch:
        batch.drop_column("trace")
