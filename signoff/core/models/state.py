"""A decision's state as the workflow holds it and as cards, the CLI and auditors see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from signoff.core.models.policy import Quorum, ReviewPolicy
from signoff.core.models.request import DecisionRequest
from signoff.core.models.track_record import TrackRecord


class Status(StrEnum):
    """``pending`` while people are asked; every other value is a final outcome."""

    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_WITH_EDITS = "approved_with_edits"
    REJECTED = "rejected"
    AUTO_APPROVED = "auto_approved"
    EXPIRED = "expired"
    CHANGES_REQUESTED = "changes_requested"
    CANCELLED = "cancelled"
    OVERRIDDEN = "overridden"

    @property
    def is_final(self) -> bool:
        return self is not Status.PENDING

    @property
    def lets_action_run(self) -> bool:
        return self in (Status.APPROVED, Status.APPROVED_WITH_EDITS, Status.AUTO_APPROVED)


class PlannedStage(BaseModel):
    """A policy stage with its approver references resolved to principal ids."""

    name: str
    approvers: list[str]
    quorum: Quorum


class TrustedSurface(BaseModel):
    """A surface the operator trusts to say who acts: its public key and whom it may
    speak for (``anyone``, or named people: an operator's CLI key names its operator)."""

    name: str = Field(min_length=1, max_length=100)
    key_id: str
    public_key: str
    vouches_for: list[str] | Literal["anyone"] = "anyone"


class DecisionPlan(BaseModel):
    """The policy and the people it names, fixed when the decision starts."""

    policy: ReviewPolicy
    stages: list[PlannedStage]
    overriders: list[str]
    experts: list[str]
    adjudicators: list[str]
    search_salt: str = "signoff"
    outcome_webhook: bool = False
    policy_version: str = ""
    """Which policy decided: ``catalog:<sha256 prefix>`` or ``inline:<sha256 prefix>`` of
    the policy as resolved (empty for decisions planned before it was recorded)."""
    surfaces: list[TrustedSurface] | None = None
    """The surfaces whose word about who acts this decision accepts (the operator's,
    public keys only); None for decisions planned before actions were vouched for, which
    accept any action as before."""
    vouch_fresh_for: timedelta | None = None
    """How old a surface's word may be when its action arrives (None: any age)."""
    unvouched_accepted: bool = False
    """Actions without a surface's word are accepted too: ``signoff dev`` with
    ``--accept-unvouched`` only, and said on every such event."""
    behaviours: str | None = None
    """The workflow behaviours (a gathering of patched changes, ``workflows/patches.py``)
    the decision runs with, chosen by the workflow that asked for this plan; history holds
    it in the plan's local-activity marker, so a new decision records no patch marker.
    None for decisions planned before it was named here."""
    track_record: TrackRecord | None = None
    """How often the model was right at about this confidence, once enough labels
    exist; None below the minimum, and for decisions planned before it was shown."""


class Vote(BaseModel):
    actor: str
    verdict: Literal["approve", "reject"]
    at: datetime
    reason: str | None = None


class StageState(BaseModel):
    index: int
    name: str
    asked: list[str]
    quorum: Quorum
    votes: list[Vote] = Field(default_factory=list)
    started_at: datetime
    deadline: datetime | None = None
    reminders_sent: int = 0

    @property
    def waiting_on(self) -> list[str]:
        voted = {v.actor for v in self.votes}
        return [a for a in self.asked if a not in voted]


class HistoryEntry(BaseModel):
    at: datetime
    kind: str
    actor: str | None = None
    stage: int | None = None
    detail: str | None = None


class Override(BaseModel):
    actor: str
    verdict: Literal["approve", "reject"]
    reason: str
    at: datetime
    previous_status: Status


class Outcome(BaseModel):
    """What the application gets: whether the action may run, with which output."""

    decision_id: str
    status: Status
    approved: bool
    final_text: str | None = None
    final_payload: dict[str, Any] | None = None
    original_text: str | None = None
    original_payload: dict[str, Any] | None = None
    decided_by: list[str] = Field(default_factory=list)
    reason: str | None = None
    decided_at: datetime
    submitted_at: datetime
    overrides: list[Override] = Field(default_factory=list)

    @property
    def standing_on(self) -> list[str]:
        """Who the outcome now rests on: the latest overrider, else those who decided
        (``decided_by`` keeps the original deciders for the record)."""
        return [self.overrides[-1].actor] if self.overrides else self.decided_by

    @property
    def seconds_to_decide(self) -> float:
        return (self.decided_at - self.submitted_at).total_seconds()


class Edit(BaseModel):
    """An approver's rewrite of the AI's output; the original stays in the request."""

    actor: str
    text: str | None = None
    payload: dict[str, Any] | None = None
    reason: str | None = None
    at: datetime


class GroundTruth(BaseModel):
    label: str
    method: Literal["consensus", "adjudicated"]
    experts: list[str]
    at: datetime


class FeedbackState(BaseModel):
    thumbs: dict[str, Literal["up", "down"]] = Field(default_factory=dict)
    corrections: list[HistoryEntry] = Field(default_factory=list)
    expert_labels: dict[str, str] = Field(default_factory=dict)
    ground_truth: GroundTruth | None = None
    disputed: bool = False

    @property
    def thumbs_up(self) -> int:
        return sum(1 for t in self.thumbs.values() if t == "up")

    @property
    def thumbs_down(self) -> int:
        return sum(1 for t in self.thumbs.values() if t == "down")


class DecisionState(BaseModel):
    """Everything a card, the CLI or an auditor needs about one decision."""

    decision_id: str
    request: DecisionRequest
    plan: DecisionPlan
    status: Status = Status.PENDING
    route_reason: str = ""
    sampled_for_qa: bool = False
    submitted_at: datetime
    expires_at: datetime | None = None
    stage: StageState | None = None
    past_stages: list[StageState] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    edit: Edit | None = None
    outcome: Outcome | None = None
    feedback: FeedbackState = Field(default_factory=FeedbackState)
    feedback_until: datetime | None = None
    version: int = 0

    @property
    def waiting_on(self) -> list[str]:
        return self.stage.waiting_on if self.stage and not self.status.is_final else []

    @property
    def qa_reviewers(self) -> list[str]:
        """Who is asked to look back at an automatic approval sampled for QA (and answer
        with feedback): the people of the policy's first stage, but not the requester."""
        if not (self.sampled_for_qa and self.plan.stages):
            return []
        return [p for p in self.plan.stages[0].approvers if p != self.request.requester]


class DecisionSummary(BaseModel):
    """The row auditors filter on; a projection of :class:`DecisionState`."""

    decision_id: str
    use_case: str
    subject: str
    title: str
    status: Status
    risk_tier: str
    model_name: str
    model_version: str
    requester: str
    stage_name: str | None
    waiting_on: list[str]
    decided_by: list[str]
    overridden: bool
    submitted_at: datetime
    standing_on: list[str] = Field(default_factory=list)
    """Who the outcome rests on now: the latest overrider, else ``decided_by``."""
    decided_at: datetime | None

    @classmethod
    def of(cls, state: DecisionState) -> DecisionSummary:
        req = state.request
        return cls(
            decision_id=state.decision_id,
            use_case=req.use_case,
            subject=req.subject,
            title=req.title,
            status=state.status,
            risk_tier=req.risk_tier.value,
            model_name=req.model.name,
            model_version=req.model.version,
            requester=req.requester,
            stage_name=state.stage.name if state.stage else None,
            waiting_on=state.waiting_on,
            decided_by=state.outcome.decided_by if state.outcome else [],
            overridden=bool(state.outcome and state.outcome.overrides),
            submitted_at=state.submitted_at,
            decided_at=state.outcome.decided_at if state.outcome else None,
            standing_on=state.outcome.standing_on if state.outcome else [],
        )
