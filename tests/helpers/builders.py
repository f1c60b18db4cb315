"""Real models with sensible defaults, so a test names only what it is about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from signoff.core.models import (
    Action,
    DecisionPlan,
    DecisionRequest,
    DecisionState,
    ModelInfo,
    Outcome,
    PlannedStage,
    Proposal,
    Quorum,
    ReviewPolicy,
    Stage,
    StageState,
    Status,
)

SUBMITTED_AT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def make_policy(**overrides: Any) -> ReviewPolicy:
    """A two-stage policy like the shipped ``refunds`` one, with plain principal ids."""
    fields: dict[str, Any] = {
        "name": "refunds",
        "stages": [
            Stage(name="support leads", approvers=["alice", "bob"], sla=timedelta(hours=2)),
            Stage(name="managers", approvers=["dave", "erin"], sla=timedelta(days=1)),
        ],
        "overriders": ["dave", "erin"],
    }
    return ReviewPolicy(**(fields | overrides))


def make_request(**overrides: Any) -> DecisionRequest:
    fields: dict[str, Any] = {
        "id": "refund-1042",
        "use_case": "refunds",
        "subject": "order 1042",
        "title": "Refund 40 EUR for order 1042",
        "proposal": Proposal(text="Refund 40 EUR: the parcel arrived damaged (photo attached)."),
        "confidence": 0.82,
        "rationale": "Damage is visible in the customer's photo; the order is 3 days old.",
        "model": ModelInfo(name="support-assistant", version="2025-02", prompt_version="p7"),
        "requester": "refund-bot",
        "policy": "refunds",
    }
    return DecisionRequest(**(fields | overrides))


def make_plan(policy: ReviewPolicy | None = None, **overrides: Any) -> DecisionPlan:
    """A plan whose approvers are the policy's references taken as principal ids."""
    policy = policy or make_policy()
    fields: dict[str, Any] = {
        "policy": policy,
        "stages": [
            PlannedStage(name=s.name, approvers=list(s.approvers), quorum=s.quorum)
            for s in policy.stages
        ],
        "overriders": list(policy.overriders),
        "experts": ["carol", "dave"],
        "adjudicators": ["erin"],
    }
    return DecisionPlan(**(fields | overrides))


def make_outcome(**overrides: Any) -> Outcome:
    fields: dict[str, Any] = {
        "decision_id": "refund-1042",
        "status": Status.APPROVED,
        "approved": True,
        "final_text": "Refund 40 EUR: the parcel arrived damaged (photo attached).",
        "original_text": "Refund 40 EUR: the parcel arrived damaged (photo attached).",
        "decided_by": ["alice"],
        "decided_at": SUBMITTED_AT + timedelta(minutes=12),
        "submitted_at": SUBMITTED_AT,
    }
    return Outcome(**(fields | overrides))


def make_state(**overrides: Any) -> DecisionState:
    """A pending decision in its first stage, waiting on alice and bob.

    Pass ``request=make_request(...)`` or ``plan=...`` to change those; for a final
    decision pass ``status`` with ``outcome=make_outcome(...)``.
    """
    request = overrides.pop("request", None) or make_request()
    fields: dict[str, Any] = {
        "decision_id": request.id,
        "request": request,
        "plan": make_plan(),
        "submitted_at": SUBMITTED_AT,
        "route_reason": "confidence 0.82 is below 0.9",
        "stage": StageState(
            index=0,
            name="support leads",
            asked=["alice", "bob"],
            quorum=Quorum(),
            started_at=SUBMITTED_AT,
            deadline=SUBMITTED_AT + timedelta(hours=2),
        ),
        "version": 1,
    }
    return DecisionState(**(fields | overrides))


_action_ids = itertools.count(1)


def make_action(kind: str, actor: str, **fields: Any) -> Action:
    """An action with a fresh ``action_id``, so each call is a separate click."""
    return Action(kind=kind, action_id=f"act-{next(_action_ids)}", actor=actor, **fields)
