"""An actor's audit events in time order: ``(actor, at)`` replaces the index on ``actor``.

``signoff audit query --actor`` lists an actor's events oldest first, a page at a time.
With an index on ``actor`` alone, PostgreSQL reads and sorts every event of that actor
before it can return the first page, so the query slows down as the trail grows (at a
million events, 4,000 per requester). With ``(actor, at)`` it reads the page in order
and stops. The old index goes: lookups by actor alone use the new one's first column.

Creating the index reads the whole table, and writes to it wait meanwhile (a few
seconds per million events on PostgreSQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])
    op.drop_index("ix_audit_events_actor", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_actor", "audit_events", ["actor"])
    op.drop_index("ix_audit_events_actor_at", table_name="audit_events")
