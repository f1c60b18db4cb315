"""Feedback and ground truth, projected from audit events into queryable rows.

The audit chain stays the record; these tables answer "what do people think of this
decision now" without replaying it. Only newly appended events are projected, so a
retried write cannot count a vote twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import FeedbackRow, GroundTruthRow
from signoff.core.models import AuditKind

THUMB = "thumb"
CORRECTION = "correction"


def _feedback_row(row: dict[str, Any]) -> dict[str, Any] | None:
    """The feedback row an event (as :func:`signoff.adapters.store.audit_events.event_rows`
    renders it) stands for, or None when it carries none."""
    base = {
        "decision_id": row["decision_id"],
        "actor": row["actor"],
        "event_id": row["event_id"],
        "at": row["at"],
    }
    data = row["data"]
    thumb = data.get("thumb")
    if row["kind"] == AuditKind.FEEDBACK and thumb in ("up", "down") and row["actor"]:
        # Keyed by person: one thumb each, and a later thumb replaces the earlier one.
        return base | {"kind": THUMB, "key": row["actor"], "value": thumb}
    text = data.get("text")
    if row["kind"] == AuditKind.CORRECTION and isinstance(text, str):
        return base | {"kind": CORRECTION, "key": row["event_id"], "value": text}
    return None


def _thumb(dialect: str) -> Insert:
    return upsert(
        dialect,
        FeedbackRow.__table__,
        keys=("decision_id", "kind", "key"),
        update=("value", "event_id", "at"),
        unless_newer="at",
    )


def _correction(dialect: str) -> Insert:
    return upsert(dialect, FeedbackRow.__table__, keys=("decision_id", "kind", "key"))


def _ground_truth(dialect: str) -> Insert:
    return upsert(
        dialect,
        GroundTruthRow.__table__,
        keys=("decision_id",),
        update=("label", "method", "experts", "at"),
        unless_newer="at",
    )


def project(conn: Connection, *, events: Sequence[dict[str, Any]]) -> None:
    """Write the feedback and ground truth that newly appended ``events`` carry (rows of
    :func:`signoff.adapters.store.audit_events.event_rows`), one statement each, in event order."""
    dialect = conn.dialect.name
    for event in events:
        row = _feedback_row(event)
        if row is not None:
            stmt = _thumb(dialect) if row["kind"] == THUMB else _correction(dialect)
            conn.execute(stmt, row)
        elif event["kind"] == AuditKind.GROUND_TRUTH and "label" in event["data"]:
            data = event["data"]
            values = {
                "decision_id": event["decision_id"],
                "label": str(data["label"]),
                "method": str(data.get("method", "consensus")),
                "experts": list(data.get("experts", [])),
                "at": event["at"],
            }
            conn.execute(_ground_truth(dialect), values)


async def get_feedback(session: AsyncSession, *, decision_id: str) -> dict[str, Any]:
    """``{"thumbs": {actor: "up"|"down"}, "corrections": [{"actor", "text", "at"}],
    "ground_truth": {"label", "method", "experts", "at"} | None}``."""
    rows = await session.scalars(
        select(FeedbackRow)
        .where(FeedbackRow.decision_id == decision_id)
        .order_by(FeedbackRow.at, FeedbackRow.id)
    )
    thumbs: dict[str, str] = {}
    corrections: list[dict[str, Any]] = []
    for row in rows:
        if row.kind == THUMB:
            thumbs[row.key] = row.value
        else:
            corrections.append({"actor": row.actor, "text": row.value, "at": row.at})
    truth = await session.get(GroundTruthRow, decision_id)
    ground_truth = None
    if truth is not None:
        ground_truth = {
            "label": truth.label,
            "method": truth.method,
            "experts": list(truth.experts),
            "at": truth.at,
        }
    return {"thumbs": thumbs, "corrections": corrections, "ground_truth": ground_truth}
