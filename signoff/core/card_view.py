"""One channel-neutral view of a decision: what every Slack or Teams card shows.

:func:`card_view` is pure, so a card is a function of the state alone and every
channel redraws the same truth.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from signoff.core import messages
from signoff.core.models import Action, ActionKind, DecisionState, Status
from signoff.core.policy import check, check_arrival, is_repeat_vote, needs_reason
from signoff.core.text import fit

__all__ = [
    "BUTTON_KINDS",
    "CardView",
    "EditView",
    "FeedbackView",
    "OutcomeView",
    "SourceView",
    "StageView",
    "VoteView",
    "actions_for",
    "card_view",
    "confidence_words",
]


BUTTON_KINDS: tuple[ActionKind, ...] = (
    ActionKind.APPROVE,
    ActionKind.REJECT,
    ActionKind.EDIT,
    ActionKind.REQUEST_CHANGES,
    ActionKind.ESCALATE,
    ActionKind.DELEGATE,
    ActionKind.OVERRIDE,
    ActionKind.CORRECTION,
)
"""The actions a card offers as one button each; thumbs are two buttons (up, down), and
comments, cancels and ground truth arrive through the API rather than a card."""


class SourceView(BaseModel):
    title: str
    url: str | None = None


class StageView(BaseModel):
    name: str
    index: int
    total: int
    deadline: datetime | None = None
    asked: list[str]
    waiting_on: list[str]


class VoteView(BaseModel):
    actor: str
    verdict: str
    reason: str | None = None
    at: datetime


class EditView(BaseModel):
    editor: str
    text: str | None = None
    reason: str | None = None


class OutcomeView(BaseModel):
    status: Status
    words: str
    standing_on: list[str]
    decided_at: datetime
    reason: str | None = None
    final_text: str | None = None
    overridden: bool = False


class FeedbackView(BaseModel):
    thumbs_up: int = 0
    thumbs_down: int = 0
    corrections: int = 0


class CardView(BaseModel):
    """Everything a card shows about one decision, free of any channel's markup.

    ``actions`` are the buttons to offer; those in ``manager_only`` only managers may use,
    and those in ``reason_required`` need a reason, so the card asks for one before it
    sends them rather than have the click refused.
    """

    decision_id: str
    title: str
    use_case: str
    subject: str
    requester: str
    badge: str
    status: Status
    status_words: str
    proposal_text: str | None = None
    proposal_truncated: bool = False
    proposal_length: int = 0
    payload_summary: str | None = None
    confidence: float
    confidence_words: str
    track_record: str | None = None
    """How often the model was right at about this confidence (None: too few labels)."""
    risk_tier: str
    rationale: str | None = None
    sources: list[SourceView]
    model_name: str
    model_version: str
    prompt_version: str | None = None
    known_limitations: list[str]
    action_fingerprint: str | None = None
    """The fingerprint of the exact action that runs once this is approved."""
    stage: StageView | None = None
    deadline: datetime | None = None
    votes: list[VoteView]
    edit: EditView | None = None
    outcome: OutcomeView | None = None
    feedback: FeedbackView
    actions: list[ActionKind]
    manager_only: list[ActionKind]
    reason_required: list[ActionKind]

    @property
    def stage_index(self) -> int | None:
        return self.stage.index if self.stage else None


def confidence_words(x: float) -> str:
    """The confidence as a person reads it, e.g. ``high (0.92)``."""
    band = next(words for floor, words in messages.CONFIDENCE_BANDS if x >= floor)
    return f"{band} ({x:.2f})"


def card_view(state: DecisionState, *, proposal_chars: int = 600) -> CardView:
    """Build the card for ``state``; proposals longer than ``proposal_chars`` are cut."""
    request = state.request
    text = request.proposal.text
    actions = _actions(state)
    return CardView(
        decision_id=state.decision_id,
        title=request.title,
        use_case=request.use_case,
        subject=request.subject,
        requester=request.requester,
        badge=_badge(state),
        status=state.status,
        status_words=messages.STATUS_WORDS[state.status],
        proposal_text=fit(text, proposal_chars) if text is not None else None,
        proposal_truncated=text is not None and len(text) > proposal_chars,
        proposal_length=len(text or ""),
        payload_summary=_payload_summary(request.proposal.payload, proposal_chars),
        confidence=request.confidence,
        confidence_words=confidence_words(request.confidence),
        track_record=_track_record(state),
        risk_tier=request.risk_tier.value,
        rationale=request.rationale,
        sources=[
            SourceView(title=s.title, url=str(s.url) if s.url else None) for s in request.sources
        ],
        model_name=request.model.name,
        model_version=request.model.version,
        prompt_version=request.model.prompt_version,
        known_limitations=list(request.known_limitations),
        action_fingerprint=request.action_fingerprint,
        stage=_stage(state),
        deadline=_deadline(state),
        votes=[
            VoteView(actor=v.actor, verdict=v.verdict, reason=v.reason, at=v.at)
            for stage in [*state.past_stages, *([state.stage] if state.stage else [])]
            for v in stage.votes
        ],
        edit=(
            EditView(editor=state.edit.actor, text=state.edit.text, reason=state.edit.reason)
            if state.edit
            else None
        ),
        outcome=_outcome(state),
        feedback=FeedbackView(
            thumbs_up=state.feedback.thumbs_up,
            thumbs_down=state.feedback.thumbs_down,
            corrections=len(state.feedback.corrections),
        ),
        actions=actions,
        manager_only=[ActionKind.OVERRIDE] if ActionKind.OVERRIDE in actions else [],
        reason_required=[kind for kind in actions if needs_reason(state, kind)],
    )


NOBODY = "signoff.nobody-in-particular"
"""A person no directory names (ids are visible text; this one is reserved): the viewer of
a card drawn for nobody in particular, and the delegate of a probe."""

# Fields that make a probe action complete, so only who-may-act-when decides.
_PROBE_FIELDS: dict[ActionKind, dict[str, Any]] = {
    ActionKind.DELEGATE: {"delegate_to": NOBODY},
    ActionKind.OVERRIDE: {"verdict": "approve"},
    ActionKind.THUMB: {"thumb": "up"},
}


def actions_for(state: DecisionState, viewer: str) -> list[ActionKind]:
    """The card's actions that ``viewer`` may use now: for a card drawn for one person
    (a Teams refresh, a direct message), so nobody is shown a button that would refuse."""
    allowed = []
    for kind in _actions(state):
        probe = Action(
            kind=kind,
            action_id="probe",
            actor=viewer,
            seen_stage=state.stage.index if state.stage else None,
            reason="probe",
            edited_text="probe",
            **_PROBE_FIELDS.get(kind, {}),
        )
        # A repeated vote is accepted as a no-op, but offering it again would mislead.
        if is_repeat_vote(state, probe):
            continue
        if check(state, probe) is None and check_arrival(state, probe) is None:
            allowed.append(kind)
    return allowed


def _badge(state: DecisionState) -> str:
    if state.status is Status.PENDING:
        return messages.BADGE_PENDING
    if state.status is Status.AUTO_APPROVED:
        return messages.BADGE_SAMPLED if state.sampled_for_qa else messages.BADGE_AUTOMATIC
    return messages.STATUS_WORDS[state.status]


def _actions(state: DecisionState) -> list[ActionKind]:
    """Buttons mirror what :func:`signoff.core.policy.check` would let someone do."""
    if state.status.is_final:
        # Managers may still override after the outcome; a cancelled decision is over.
        feedback = [ActionKind.THUMB, ActionKind.CORRECTION]
        return feedback if state.status is Status.CANCELLED else [*feedback, ActionKind.OVERRIDE]
    actions = [ActionKind.APPROVE, ActionKind.REJECT]
    if state.plan.policy.allow_edits:
        actions.append(ActionKind.EDIT)
    actions.append(ActionKind.REQUEST_CHANGES)
    if state.stage is not None and state.stage.index + 1 < len(state.plan.stages):
        actions.append(ActionKind.ESCALATE)
    actions += [ActionKind.DELEGATE, ActionKind.OVERRIDE]
    return actions


def _stage(state: DecisionState) -> StageView | None:
    stage = state.stage
    if stage is None:
        return None
    return StageView(
        name=stage.name,
        index=stage.index,
        total=len(state.plan.stages),
        deadline=stage.deadline,
        asked=list(stage.asked),
        waiting_on=state.waiting_on,
    )


def _deadline(state: DecisionState) -> datetime | None:
    if state.status.is_final:
        return None
    return (state.stage.deadline if state.stage else None) or state.expires_at


def _outcome(state: DecisionState) -> OutcomeView | None:
    outcome = state.outcome
    if outcome is None:
        return None
    return OutcomeView(
        status=outcome.status,
        words=messages.STATUS_WORDS[outcome.status],
        standing_on=outcome.standing_on,
        decided_at=outcome.decided_at,
        reason=outcome.reason,
        # A rejected decision has no text to run: the proposal is not its "final" one.
        final_text=outcome.final_text if outcome.approved else None,
        overridden=bool(outcome.overrides),
    )


def _track_record(state: DecisionState) -> str | None:
    record = state.plan.track_record
    if record is None:
        return None
    return messages.TRACK_RECORD.format(said=record.said, rate=record.rate, n=record.n)


def _payload_summary(payload: dict[str, Any] | None, limit: int) -> str | None:
    if payload is None:
        return None
    parts = [f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in payload.items()]
    return fit(" · ".join(parts), limit)
