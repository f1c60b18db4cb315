"""The few facts about a decision that evaluation reads, taken from its state once, when
the store writes it.

A decision's state document is kilobytes of history; evaluation needs some thirty small
values. Reading and parsing a million documents takes minutes, counting a million narrow
rows in the database seconds, so the store keeps this projection beside the state
(``decision_facts``, written in the same transaction) and evaluation never opens the
document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from signoff.core.learning.edits import canonical, normalised_edit_distance
from signoff.core.models import DecisionState, Status

SYSTEM_PREFIX = "signoff:"
"""Actors that are Signoff itself (its policy, its timers), never a person."""

PERSONAL_KINDS = frozenset({"voted", "edited", "escalated", "delegated", "commented", "overridden"})
"""History kinds that mean a person picked the decision up."""

Verdict = Literal["approve", "reject", "edit"]


class DecisionFacts(BaseModel):
    """What evaluation knows of one decision; one row of ``decision_facts``."""

    decision_id: str
    version: int
    use_case: str
    model_name: str
    model_version: str
    prompt_version: str = ""
    policy_name: str
    policy_version: str = ""
    risk_tier: str
    segment: dict[str, str] = Field(default_factory=dict)
    confidence: float
    route: Literal["auto", "human"]
    sampled_for_qa: bool
    status: str
    human_accepted: bool | None
    """Whether people let the AI's proposal stand unchanged (approved, or a manager's
    override to approve); False when they rejected, edited or asked for changes; None
    when no person gave a verdict (automatic, expired, cancelled, pending, or decided
    by a timer)."""
    human_status: str | None
    """The status people gave before any manager's override (None: none did)."""
    overridden: bool
    edit_distance: float | None
    predicted_label: str | None
    submitted_at: datetime
    first_action_at: datetime | None
    decided_at: datetime | None
    escalations: int
    sla_breaches: int
    thumbs_up: int
    thumbs_down: int
    corrections: int
    expert_labels: dict[str, str] = Field(default_factory=dict)
    votes: list[tuple[str, Verdict]] = Field(default_factory=list)
    """Each reviewer's last verdict on the AI's proposal (an edit counts as ``edit``)."""
    qa_sample_rate: float | None = None
    """The QA sample rate of the policy that routed it: an automatic approval's chance
    of being labelled, which Learn-then-Test needs (None: recorded before it was kept)."""
    flags: list[str] = Field(default_factory=list)
    """The guardrail flags it was submitted with, so a candidate policy's routing can be
    replayed over it (``signoff policy simulate``)."""


def _is_person(actor: str | None) -> bool:
    return bool(actor) and not actor.startswith(SYSTEM_PREFIX)  # type: ignore[union-attr]


def _human_status(state: DecisionState) -> str | None:
    outcome = state.outcome
    if outcome is None:
        return None
    status = outcome.overrides[0].previous_status if outcome.overrides else outcome.status
    decided_by_people = any(_is_person(a) for a in outcome.decided_by)
    if status in (Status.AUTO_APPROVED, Status.EXPIRED, Status.CANCELLED, Status.PENDING):
        return None
    if status is Status.OVERRIDDEN or not decided_by_people:
        return None
    return status.value


def _human_accepted(state: DecisionState, human_status: str | None) -> bool | None:
    outcome = state.outcome
    if outcome is not None and outcome.overrides:
        return outcome.overrides[-1].verdict == "approve" and state.edit is None
    if human_status is None:
        return None
    return human_status == Status.APPROVED.value


def _votes(state: DecisionState) -> list[tuple[str, Verdict]]:
    verdicts: dict[str, Verdict] = {}
    for stage in [*state.past_stages, *([state.stage] if state.stage else [])]:
        for vote in stage.votes:
            verdicts[vote.actor] = vote.verdict
    if state.edit is not None and state.edit.actor in verdicts:
        verdicts[state.edit.actor] = "edit"
    return sorted(verdicts.items())


def _distance(state: DecisionState) -> float:
    edit, proposal = state.edit, state.request.proposal
    assert edit is not None
    before = canonical(proposal.text, proposal.payload)
    after = canonical(
        edit.text if edit.text is not None else proposal.text,
        edit.payload if edit.payload is not None else proposal.payload,
    )
    return normalised_edit_distance(before, after)


def facts_of(state: DecisionState) -> DecisionFacts:
    """The facts of ``state`` (pure: the same state always gives the same facts)."""
    request, outcome = state.request, state.outcome
    human_status = _human_status(state)
    edited = human_status == Status.APPROVED_WITH_EDITS.value and state.edit is not None
    first_action = next(
        (h.at for h in state.history if h.kind in PERSONAL_KINDS and _is_person(h.actor)), None
    )
    predicted = (request.proposal.payload or {}).get("label")
    return DecisionFacts(
        decision_id=state.decision_id,
        version=state.version,
        use_case=request.use_case,
        model_name=request.model.name,
        model_version=request.model.version,
        prompt_version=request.model.prompt_version or "",
        policy_name=state.plan.policy.name,
        policy_version=state.plan.policy_version,
        risk_tier=request.risk_tier.value,
        segment=dict(request.segment),
        confidence=request.confidence,
        route="human" if state.stage is not None or state.past_stages else "auto",
        sampled_for_qa=state.sampled_for_qa,
        status=state.status.value,
        human_accepted=_human_accepted(state, human_status),
        human_status=human_status,
        overridden=bool(outcome and outcome.overrides),
        edit_distance=_distance(state) if edited else None,
        predicted_label=None if predicted is None else str(predicted),
        submitted_at=state.submitted_at,
        first_action_at=first_action,
        decided_at=outcome.decided_at if outcome else None,
        escalations=sum(1 for h in state.history if h.kind == "escalated"),
        sla_breaches=sum(1 for h in state.history if h.kind == "timed_out"),
        thumbs_up=state.feedback.thumbs_up,
        thumbs_down=state.feedback.thumbs_down,
        corrections=len(state.feedback.corrections),
        expert_labels=dict(state.feedback.expert_labels),
        votes=_votes(state),
        qa_sample_rate=state.plan.policy.qa_sample_rate,
        flags=sorted(request.flags),
    )
