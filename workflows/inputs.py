"""Inputs of Signoff's workflows."""

from __future__ import annotations

from pydantic import BaseModel

from signoff.models import ActionResult, AuditEvent, DecisionRequest, DecisionState


def workflow_id_for(decision_id: str) -> str:
    """The decision id is the idempotency key: one workflow id per decision."""
    return f"signoff-{decision_id}"


def outcome_signal(decision_id: str) -> str:
    """The signal a decision sends to ``request.notify_workflow_id`` with each outcome;
    named per decision so one workflow can wait on several."""
    return f"signoff.outcome.{decision_id}"


class DecisionCarry(BaseModel):
    """What a decision takes across continue-as-new: its state, its place in the audit
    chain, and the ids of actions already applied (the server forgets them per run)."""

    state: DecisionState
    next_seq: int
    applied: dict[str, ActionResult]


class DecisionWorkflowInput(BaseModel):
    request: DecisionRequest
    carry: DecisionCarry | None = None
    continue_as_new_after_events: int = 4_000


class RefusalAuditInput(BaseModel):
    event: AuditEvent
