"""Feedback and ground truth, projected from audit events into queryable rows.

The audit chain stays the record; these tables answer "what do people think of this
decision now" without replaying it. Only newly appended events are projected, so a
retried write cannot count a vote twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.sql import dialect_of, upsert
from adapters.store.tables import FeedbackRow, GroundTruthRow
from adapters.store.types import as_utc
from signoff.models import AuditEvent, AuditKind

THUMB = "thumb"
CORRECTION = "correction"


def _feedback_row(event: AuditEvent) -> dict[str, Any] | None:
    """The feedback row an event stands for, or None when it carries none."""
    base = {"decision_id": event.decision_id, "actor": event.actor, "event_id": event.event_id}
    base["at"] = as_utc(event.at)
    thumb = event.data.get("thumb")
    if event.kind is AuditKind.FEEDBACK and thumb in ("up", "down") and event.actor:
        # Keyed by person: one thumb each, and a later thumb replaces the earlier one.
        return base | {"kind": THUMB, "key": event.actor, "value": thumb}
    text = event.data.get("text")
    if event.kind is AuditKind.CORRECTION and isinstance(text, str):
        return base | {"kind": CORRECTION, "key": event.event_id, "value": text}
    return None


async def project(session: AsyncSession, *, events: Sequence[AuditEvent]) -> None:
    """Write the feedback and ground truth that ``events`` carry."""
    dialect = dialect_of(session)
    for event in events:
        row = _feedback_row(event)
        if row is not None:
            update = ["value", "event_id", "at"] if row["kind"] == THUMB else []
            stmt = upsert(
                dialect,
                FeedbackRow.__table__,
                row,
                keys=["decision_id", "kind", "key"],
                update=update,
                unless_newer="at" if update else None,
            )
            await session.execute(stmt)
        elif event.kind is AuditKind.GROUND_TRUTH and "label" in event.data:
            values = {
                "decision_id": event.decision_id,
                "label": str(event.data["label"]),
                "method": str(event.data.get("method", "consensus")),
                "experts": list(event.data.get("experts", [])),
                "at": as_utc(event.at),
            }
            stmt = upsert(
                dialect,
                GroundTruthRow.__table__,
                values,
                keys=["decision_id"],
                update=["label", "method", "experts", "at"],
                unless_newer="at",
            )
            await session.execute(stmt)


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
