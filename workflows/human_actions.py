"""Transitions for what people do during review: vote, edit, escalate, delegate, override.

Each function applies one action that :func:`signoff.core.policy.check` already allowed and
returns the sentence to show the actor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from signoff.core import messages
from signoff.core.channel_protocol import Notice
from signoff.core.models import Action, ActionKind, AuditKind, Edit, Override, Status, Vote
from signoff.core.policy import stage_verdict, verdict_of
from signoff.workflows.learning import label_ground_truth, record_correction, record_thumb
from signoff.workflows.lifecycle import Lifecycle


def _vote(life: Lifecycle, action: Action, now: datetime) -> str:
    stage = life.state.stage
    verdict = verdict_of(action)
    assert stage is not None and verdict is not None
    stage.votes.append(Vote(actor=action.actor, verdict=verdict, at=now, reason=action.reason))
    life.record(
        AuditKind.VOTED,
        now,
        actor=action.actor,
        detail=verdict + (f": {action.reason}" if action.reason else ""),
        data={"verdict": verdict, "reason": action.reason, "via": action.via},
    )
    settled = stage_verdict(stage)
    if settled is None:
        return messages.VOTE_RECORDED.format(verdict=verdict, waiting=", ".join(stage.waiting_on))
    voters = [v.actor for v in stage.votes if v.verdict == settled]
    if settled == "reject":
        status = Status.REJECTED
    else:
        status = Status.APPROVED_WITH_EDITS if life.state.edit else Status.APPROVED
    life.finalize(status, now, decided_by=voters, reason=action.reason)
    return messages.DECIDED.format(status=status.value.replace("_", " "))


def _edit(life: Lifecycle, action: Action, now: datetime) -> str:
    life.state.edit = Edit(
        actor=action.actor,
        text=action.edited_text,
        payload=action.edited_payload,
        reason=action.reason,
        at=now,
    )
    life.record(
        AuditKind.EDITED,
        now,
        actor=action.actor,
        detail=action.reason,
        data={
            "edited_text": action.edited_text,
            "edited_payload": action.edited_payload,
            "original": life.state.request.proposal.model_dump(mode="json"),
        },
    )
    return _vote(life, action, now)


def _request_changes(life: Lifecycle, action: Action, now: datetime) -> str:
    """Ends the round whatever the quorum: the reviewer has said what must change."""
    stage = life.state.stage
    assert stage is not None
    stage.votes.append(Vote(actor=action.actor, verdict="reject", at=now, reason=action.reason))
    life.record(
        AuditKind.VOTED,
        now,
        actor=action.actor,
        detail=f"changes requested: {action.reason}",
        data={"verdict": "request_changes", "reason": action.reason, "via": action.via},
    )
    life.finalize(Status.CHANGES_REQUESTED, now, decided_by=[action.actor], reason=action.reason)
    return messages.CHANGES_REQUESTED


def _escalate(life: Lifecycle, action: Action, now: datetime) -> str:
    life.escalate(now, actor=action.actor, reason=action.reason)
    assert life.state.stage is not None
    return messages.ESCALATED.format(stage=life.state.stage.name)


def _delegate(life: Lifecycle, action: Action, now: datetime) -> str:
    stage, target = life.state.stage, action.delegate_to
    assert stage is not None and target is not None
    stage.asked[stage.asked.index(action.actor)] = target
    life.record(
        AuditKind.DELEGATED,
        now,
        actor=action.actor,
        detail=f"to {target}",
        data={"to": target, "reason": action.reason},
    )
    life.notices.append(
        Notice(
            kind="assignment",
            recipients=[target],
            text=messages.NOTICE_ASSIGNED.format(
                actor=action.actor, title=life.state.request.title
            ),
        )
    )
    return messages.DELEGATED.format(target=target)


def _comment(life: Lifecycle, action: Action, now: datetime) -> str:
    life.record(
        AuditKind.COMMENTED,
        now,
        actor=action.actor,
        detail=action.reason,
        data={"text": action.reason},
    )
    return messages.COMMENT_ADDED


def _cancel(life: Lifecycle, action: Action, now: datetime) -> str:
    life.finalize(Status.CANCELLED, now, decided_by=[action.actor], reason=action.reason)
    return messages.CANCELLED


def _override(life: Lifecycle, action: Action, now: datetime) -> str:
    """A manager's verdict replaces the outcome, before or after it was final; the
    application is told either way."""
    state = life.state
    assert action.verdict is not None and action.reason is not None
    previous = state.status
    override = Override(
        actor=action.actor,
        verdict=action.verdict,
        reason=action.reason,
        at=now,
        previous_status=previous,
    )
    life.record(
        AuditKind.OVERRIDDEN,
        now,
        actor=action.actor,
        detail=f"{action.verdict}: {action.reason}",
        data=override.model_dump(mode="json"),
    )
    approved = action.verdict == "approve"
    if previous.is_final:
        outcome = state.outcome
        assert outcome is not None
        state.status = outcome.status = Status.OVERRIDDEN
        outcome.approved = approved
        outcome.reason = action.reason
        outcome.overrides.append(override)
        life.deliveries.append(outcome.model_copy(deep=True))
    else:
        life.finalize(
            Status.OVERRIDDEN,
            now,
            decided_by=[action.actor],
            reason=action.reason,
            approved=approved,
            overrides=[override],
        )
    life.notices.append(
        Notice(
            kind="outcome",
            recipients=[state.request.requester],
            text=messages.NOTICE_OVERRIDDEN.format(
                actor=action.actor, title=state.request.title, verdict=action.verdict
            ),
        )
    )
    return messages.OVERRIDE_RECORDED.format(verdict=action.verdict)


TRANSITIONS: dict[ActionKind, Callable[[Lifecycle, Action, datetime], str]] = {
    ActionKind.APPROVE: _vote,
    ActionKind.REJECT: _vote,
    ActionKind.EDIT: _edit,
    ActionKind.REQUEST_CHANGES: _request_changes,
    ActionKind.ESCALATE: _escalate,
    ActionKind.DELEGATE: _delegate,
    ActionKind.COMMENT: _comment,
    ActionKind.CANCEL: _cancel,
    ActionKind.OVERRIDE: _override,
    ActionKind.THUMB: record_thumb,
    ActionKind.CORRECTION: record_correction,
    ActionKind.GROUND_TRUTH: label_ground_truth,
}


def apply(life: Lifecycle, action: Action, now: datetime) -> str:
    """Apply an allowed action to the decision; return what to tell the actor."""
    return TRANSITIONS[action.kind](life, action, now)
