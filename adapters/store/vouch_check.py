"""Does every person's action in a chain carry the word of a surface the decision
trusted?

Since actions are vouched for (:mod:`signoff.core.vouching`), the workflow keeps each
surface's signed word on the events its action caused, and the decision's plan (in its
``submitted`` event) names the surfaces it trusted, public keys included. So the chain
itself says whether each action was authenticated: an event written by someone holding
the audit key (a worker host's administrator, say) but no surface key is caught here.
Decisions planned before vouching (no ``surfaces`` in their plan) are not checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from signoff.adapters.store.tables import AuditEventRow
from signoff.core.models import AuditKind, TrustedSurface
from signoff.core.vouching import UNVOUCHED, record_verifies

PERSONS_ACTIONS = frozenset(
    {
        AuditKind.VOTED,
        AuditKind.EDITED,
        AuditKind.ESCALATED,
        AuditKind.DELEGATED,
        AuditKind.COMMENTED,
        AuditKind.OVERRIDDEN,
        AuditKind.FEEDBACK,
        AuditKind.CORRECTION,
        AuditKind.EXPERT_LABEL,
    }
)
SYSTEM_ACTORS = "signoff:"
"""Actors Signoff itself names (``signoff:timer``, ``signoff:policy``): no surface's word."""


def vouch_problem(decision_id: str, events: Sequence[AuditEventRow]) -> tuple[int, str] | None:
    """The first event (seq, why) whose action no trusted surface vouched for."""
    submitted = next((e for e in events if e.kind == AuditKind.SUBMITTED), None)
    plan = submitted.data.get("plan", {}) if submitted is not None else {}
    if plan.get("surfaces") is None:
        return None
    try:
        surfaces = [TrustedSurface.model_validate(s) for s in plan["surfaces"]]
    except ValidationError:
        return submitted.seq if submitted else 0, "the plan's trusted surfaces are unreadable"
    for event in events:
        if event.kind not in PERSONS_ACTIONS or (event.actor or "").startswith(SYSTEM_ACTORS):
            continue
        record = event.data.get("vouch")
        if record is None or record == UNVOUCHED:
            if plan.get("unvouched_accepted"):
                continue
            return event.seq, f"{event.kind} by {event.actor} carries no surface's word for it"
        try:
            genuine = record_verifies(record, decision_id, surfaces)
            signed_actor = record["action"]["actor"]
        except (ValidationError, KeyError, TypeError):
            genuine, signed_actor = False, None
        if not genuine or signed_actor != event.actor:
            return (
                event.seq,
                f"{event.kind} by {event.actor}: the surface's word on it does not verify"
                " (forged or altered)",
            )
    return None
