"""Reported real-world outcomes, projected from audit events, and every label a decision
has, by where it comes from.

An ``outcome_reported`` event becomes one ``reported_outcomes`` row in the transaction
that appends it, so the table never says what the chain does not. :func:`labels` is the
one read evaluation uses: experts', adjudicators', the application's, thumbs and the
reviewers' own decision, each marked with its :class:`LabelSource`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import (
    DecisionRow,
    FeedbackRow,
    GroundTruthRow,
    ReportedOutcomeRow,
)
from signoff.core.models import AuditKind, DecisionLabel, LabelSource

_EXPERT_METHODS = {"consensus": LabelSource.EXPERT, "adjudicated": LabelSource.ADJUDICATED}
_NOT_HUMAN = frozenset({"auto_approved", "expired", "cancelled"})
"""Final statuses nobody reviewed into being: not a human decision's label."""


def _insert(dialect: str) -> Insert:
    return upsert(dialect, ReportedOutcomeRow.__table__, keys=("event_id",))


def project(conn: Connection, *, events: Sequence[dict[str, Any]]) -> None:
    """Write the outcome of each newly appended ``outcome_reported`` event (rows of
    :func:`signoff.adapters.store.audit_events.event_rows`)."""
    rows = [
        {
            "event_id": event["event_id"],
            "decision_id": event["decision_id"],
            "label": event["data"]["label"],
            "source": event["data"]["source"],
            "key": event["data"]["key"],
            "at": datetime.fromisoformat(event["data"]["happened_at"]),
            "recorded_at": event["at"],
            "reported_by": event["actor"],
        }
        for event in events
        if event["kind"] == AuditKind.OUTCOME_REPORTED
    ]
    if rows:
        conn.execute(_insert(conn.dialect.name), rows)


async def labels(session: AsyncSession, *, decision_id: str) -> list[DecisionLabel]:
    """Every label ``decision_id`` has, each with its source, oldest first within one."""
    found: list[DecisionLabel] = []
    truth = await session.get(GroundTruthRow, decision_id)
    if truth is not None:
        found.append(
            DecisionLabel(
                source=_EXPERT_METHODS.get(truth.method, LabelSource.EXPERT),
                label=truth.label,
                at=truth.at,
                by=list(truth.experts),
            )
        )
    outcomes = await session.scalars(
        select(ReportedOutcomeRow)
        .where(ReportedOutcomeRow.decision_id == decision_id)
        .order_by(ReportedOutcomeRow.at, ReportedOutcomeRow.recorded_at)
    )
    found += [
        DecisionLabel(
            source=LabelSource.APPLICATION_OUTCOME,
            label=row.label,
            at=row.at,
            by=[row.source],
            event_id=row.event_id,
        )
        for row in outcomes
    ]
    thumbs = await session.scalars(
        select(FeedbackRow)
        .where(FeedbackRow.decision_id == decision_id, FeedbackRow.kind == "thumb")
        .order_by(FeedbackRow.at, FeedbackRow.id)
    )
    found += [
        DecisionLabel(
            source=LabelSource.THUMBS,
            label=row.value,
            at=row.at,
            by=[row.key],
            event_id=row.event_id,
        )
        for row in thumbs
    ]
    decision = await session.get(DecisionRow, decision_id)
    human = _human_decision(decision.state) if decision is not None else None
    if human is not None:
        found.append(human)
    return found


def _human_decision(state: dict[str, Any]) -> DecisionLabel | None:
    """What people decided, the latest override winning; None when nobody did."""
    outcome = state.get("outcome")
    if not outcome:
        return None
    overrides = outcome.get("overrides") or []
    if overrides:
        last = overrides[-1]
        label = "approved" if last["verdict"] == "approve" else "rejected"
        return DecisionLabel(
            source=LabelSource.HUMAN_DECISION,
            label=label,
            at=datetime.fromisoformat(last["at"]),
            by=[last["actor"]],
        )
    if outcome["status"] in _NOT_HUMAN or not outcome.get("decided_by"):
        return None
    return DecisionLabel(
        source=LabelSource.HUMAN_DECISION,
        label=outcome["status"],
        at=datetime.fromisoformat(outcome["decided_at"]),
        by=list(outcome["decided_by"]),
    )
