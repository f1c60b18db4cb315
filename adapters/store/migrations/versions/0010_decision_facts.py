"""What ``signoff eval`` reads of each decision: ``decision_facts``, with a backfill.

Evaluation needs some thirty small values of a decision; reading them out of the state
document costs a parse of kilobytes per decision (minutes for a million), so the store
writes this narrow row beside ``decisions``. Existing decisions are backfilled from their
stored state, a page at a time; a state that no longer validates is left out (it has no
facts to evaluate) rather than failing the upgrade.

(0008 is the application outcomes' table, landed beside this one.)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")
BACKFILL_PAGE = 500


def upgrade() -> None:
    table = op.create_table(
        "decision_facts",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("use_case", sa.String(500), nullable=False),
        sa.Column("model_name", sa.String(500), nullable=False),
        sa.Column("model_version", sa.String(500), nullable=False),
        sa.Column("prompt_version", sa.String(500), nullable=False),
        sa.Column("policy_name", sa.String(500), nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("risk_tier", sa.String(20), nullable=False),
        sa.Column("segment", JSON_DOC, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("route", sa.String(10), nullable=False),
        sa.Column("sampled_for_qa", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("human_accepted", sa.Boolean(), nullable=True),
        sa.Column("human_status", sa.String(40), nullable=True),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("edit_distance", sa.Float(), nullable=True),
        sa.Column("predicted_label", sa.String(500), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("sla_breaches", sa.Integer(), nullable=False),
        sa.Column("thumbs_up", sa.Integer(), nullable=False),
        sa.Column("thumbs_down", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("expert_labels", JSON_DOC, nullable=False),
        sa.Column("votes", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decision_facts"),
    )
    op.create_index("ix_decision_facts_submitted_at", "decision_facts", ["submitted_at"])
    op.create_index(
        "ix_decision_facts_use_case_submitted_at", "decision_facts", ["use_case", "submitted_at"]
    )
    _backfill(table)


def _backfill(table: sa.Table) -> None:
    from signoff.core.learning.facts import facts_of
    from signoff.core.models import DecisionState

    conn = op.get_bind()
    decisions = sa.table(
        "decisions", sa.column("decision_id", sa.String), sa.column("state", sa.JSON)
    )
    after = ""
    while True:
        page = conn.execute(
            sa.select(decisions.c.decision_id, decisions.c.state)
            .where(decisions.c.decision_id > after)
            .order_by(decisions.c.decision_id)
            .limit(BACKFILL_PAGE)
        ).all()
        if not page:
            return
        rows = []
        for _, state in page:
            try:
                rows.append(facts_of(DecisionState.model_validate(state)).model_dump())
            except ValidationError:
                continue
        if rows:
            conn.execute(table.insert(), rows)
        after = page[-1].decision_id


def downgrade() -> None:
    op.drop_table("decision_facts")
