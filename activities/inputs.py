"""One input model per activity, so a workflow and its activities agree on the wire."""

from __future__ import annotations

from pydantic import BaseModel

from signoff.core.channel_protocol import Notice
from signoff.core.models import AuditEvent, DecisionRequest, DecisionState, Outcome, Vouch
from signoff.core.models.routing import RoutingChange, RoutingOrigin


class PlanResolveInput(BaseModel):
    request: DecisionRequest
    submission: Vouch | None = None
    behaviours: str | None = None
    """What the plan names as its workflow behaviours (``DecisionPlan.behaviours``)."""


class PeopleInput(BaseModel):
    ids: list[str]


class PreviousRunInput(BaseModel):
    workflow_id: str
    run_id: str


class AuditRecordInput(BaseModel):
    """``cards``: also queue the decision's cards (and ``notices``) in the card outbox;
    runs without the patch ``cards-from-store`` draw their cards with ``publish_cards``."""

    events: list[AuditEvent]
    state: DecisionState | None = None
    cards: bool = False
    notices: list[Notice] = []


class CardPublishInput(BaseModel):
    state: DecisionState
    notices: list[Notice] = []


class OutcomeDeliverInput(BaseModel):
    outcome: Outcome
    sequence: int
    refusal_is_final: bool = False
    """Set by runs that record a refused delivery (patch ``outcome-refusal-recorded``):
    a receiver's lasting refusal then fails the activity for good; older runs would
    fail as a whole on that, so theirs is retried as before."""


class RoutingChangeInput(BaseModel):
    """Move ``policy``'s routing after version ``expected`` (None: whatever is in force
    now, as a demotion does): ``change``'s fields over those in force."""

    policy: str
    change: RoutingChange
    origin: RoutingOrigin
    reason: str
    decided_by: str | None = None
    expected: int | None = None
