"""What the autonomy ladder reads of each decision beside its facts: the QA sample rate
that routed it (an automatic approval's chance of being labelled, which Learn-then-Test
needs to thin its pool) and its guardrail flags (so ``signoff policy simulate`` can
replay routing). Both are backfilled from the stored state, a page at a time, as 0010
did; a state that no longer validates keeps them empty.

Indexes for the two new readers: a policy's decisions by time (``signoff policy``), and
a use case's model version by confidence (the track record a card shows).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")
BACKFILL_PAGE = 500


def upgrade() -> None:
    with op.batch_alter_table("decision_facts") as batch:
        batch.add_column(sa.Column("qa_sample_rate", sa.Float(), nullable=True))
        batch.add_column(sa.Column("flags", JSON_DOC, nullable=True))
    op.create_index(
        "ix_decision_facts_policy_submitted_at", "decision_facts", ["policy_name", "submitted_at"]
    )
    op.create_index(
        "ix_decision_facts_track_record",
        "decision_facts",
        ["use_case", "model_version", "confidence"],
    )
    _backfill()


def _backfill() -> None:
    from signoff.core.models import DecisionState

    conn = op.get_bind()
    decisions = sa.table(
        "decisions", sa.column("decision_id", sa.String), sa.column("state", sa.JSON)
    )
    facts = sa.table(
        "decision_facts",
        sa.column("decision_id", sa.String),
        sa.column("qa_sample_rate", sa.Float),
        sa.column("flags", JSON_DOC),
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
        for decision_id, state in page:
            try:
                parsed = DecisionState.model_validate(state)
            except ValidationError:
                continue
            conn.execute(
                facts.update()
                .where(facts.c.decision_id == decision_id)
                .values(
                    qa_sample_rate=parsed.plan.policy.qa_sample_rate,
                    flags=sorted(parsed.request.flags),
                )
            )
        after = page[-1].decision_id


def downgrade() -> None:
    op.drop_index("ix_decision_facts_track_record", table_name="decision_facts")
    op.drop_index("ix_decision_facts_policy_submitted_at", table_name="decision_facts")
    with op.batch_alter_table("decision_facts") as batch:
        batch.drop_column("flags")
        batch.drop_column("qa_sample_rate")
