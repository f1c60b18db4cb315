"""The store's first schema: decisions, the audit chain, feedback, ground truth, cards.

Written by hand rather than generated, and frozen: it does not import the row classes,
so later edits to ``tables.py`` need a new revision instead of silently changing this one.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("use_case", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("risk_tier", sa.String(20), nullable=False),
        sa.Column("model_name", sa.String(500), nullable=False),
        sa.Column("model_version", sa.String(500), nullable=False),
        sa.Column("requester", sa.String(200), nullable=False),
        sa.Column("stage_name", sa.String(500), nullable=True),
        sa.Column("waiting_on", JSON_DOC, nullable=False),
        sa.Column("decided_by", JSON_DOC, nullable=False),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    for column in ("use_case", "status", "model_version", "requester", "overridden"):
        op.create_index(f"ix_decisions_{column}", "decisions", [column])
    op.create_index("ix_decisions_submitted_at", "decisions", ["submitted_at"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(300), nullable=False),
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        # json, not jsonb: hashed data must read back exactly as it was sealed.
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.UniqueConstraint("event_id", name="uq_audit_events_event_id"),
        sa.UniqueConstraint("decision_id", "seq", name="uq_audit_events_decision_id_seq"),
    )
    for column in ("kind", "actor", "at"):
        op.create_index(f"ix_audit_events_{column}", "audit_events", [column])

    op.create_table(
        "audit_heads",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(300), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_audit_heads"),
    )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("decision_id", "kind", "key", name="uq_feedback_decision_id_kind_key"),
    )
    op.create_index("ix_feedback_decision_id", "feedback", ["decision_id"])
    op.create_index("ix_feedback_actor", "feedback", ["actor"])

    op.create_table(
        "ground_truth",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("experts", JSON_DOC, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_ground_truth"),
    )

    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("ref", JSON_DOC, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint(
            "decision_id", "channel", "recipient", name="uq_cards_decision_id_channel_recipient"
        ),
    )
    op.create_index("ix_cards_decision_id", "cards", ["decision_id"])


def downgrade() -> None:
    for table in (
        "cards",
        "ground_truth",
        "feedback",
        "audit_heads",
        "audit_events",
        "decisions",
    ):
        op.drop_table(table)
