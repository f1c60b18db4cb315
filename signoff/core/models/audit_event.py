"""Audit events: an append-only, hash-chained record of everything done to a decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AuditKind(StrEnum):
    SUBMITTED = "submitted"
    ROUTED = "routed"
    SAMPLED_FOR_QA = "sampled_for_qa"
    STAGE_STARTED = "stage_started"
    REMINDER_SENT = "reminder_sent"
    VOTED = "voted"
    EDITED = "edited"
    ESCALATED = "escalated"
    DELEGATED = "delegated"
    COMMENTED = "commented"
    TIMED_OUT = "timed_out"
    FINALIZED = "finalized"
    OVERRIDDEN = "overridden"
    REFUSED = "refused"
    FEEDBACK = "feedback"
    CORRECTION = "correction"
    EXPERT_LABEL = "expert_label"
    ADJUDICATION_NEEDED = "adjudication_needed"
    GROUND_TRUTH = "ground_truth"
    OUTCOME_DELIVERED = "outcome_delivered"
    OUTCOME_REFUSED = "outcome_refused"
    """The application's webhook refused the outcome for good (a 4xx other than 408 and
    429): recorded, and the decision closes regardless."""
    OUTCOME_REPORTED = "outcome_reported"
    """The application reported what happened in the world, at any time after the
    decision (:class:`signoff.core.models.outcome_report.OutcomeReport`)."""
    API_KEY_CREATED = "api_key_created"
    """An administrator made an application's API key (an operations event: its chain is
    ``ops/DAY``, never a decision's)."""
    API_KEY_REVOKED = "api_key_revoked"
    """An administrator revoked an application's API key (an operations event)."""
    DRIFT_ALARM = "drift_alarm"
    """A use case's drift monitor alarmed (an operations event, written by the monitor's
    run: :mod:`signoff.workflows.monitor`)."""


class AuditEvent(BaseModel):
    """One fact, before it is chained. ``event_id`` is the idempotency key."""

    event_id: str = Field(min_length=1, max_length=300)
    decision_id: str
    kind: AuditKind
    at: datetime
    actor: str | None = None
    stage: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ChainedEvent(AuditEvent):
    """An event as stored: its place in the decision's chain and the hashes that seal it."""

    seq: int
    prev_hash: str
    hash: str


class ChainBreak(BaseModel):
    """The first event whose stored hash does not match its content."""

    decision_id: str
    seq: int
    event_id: str
    problem: str


class VerifyReport(BaseModel):
    decisions_checked: int
    events_checked: int
    breaks: list[ChainBreak] = Field(default_factory=list)
    anchored: bool = False
    """Whether chains were checked against the audit key's signatures and the checkpoint
    logs; without that, a rewrite that recomputes every hash goes unseen."""
    signed_heads_checked: int = 0
    log_problems: list[str] = Field(default_factory=list)
    """Lines of a checkpoint log that are not signed heads."""

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.log_problems
