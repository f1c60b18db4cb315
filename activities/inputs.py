"""One input model per activity, so a workflow and its activities agree on the wire."""

from __future__ import annotations

from pydantic import BaseModel

from signoff.channels import Notice
from signoff.models import AuditEvent, DecisionRequest, DecisionState, Outcome


class PlanResolveInput(BaseModel):
    request: DecisionRequest


class AuditRecordInput(BaseModel):
    events: list[AuditEvent]
    state: DecisionState | None = None


class CardPublishInput(BaseModel):
    state: DecisionState
    notices: list[Notice] = []


class OutcomeDeliverInput(BaseModel):
    outcome: Outcome
    sequence: int
