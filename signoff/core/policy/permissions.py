"""Who may do what, when: the checks an Update validator runs before anything is recorded.

Every refusal carries a stable ``code`` (for bots and tests) and a sentence for the
person who was refused.
"""

from __future__ import annotations

from pydantic import BaseModel

from signoff.core import messages
from signoff.core.models import Action, ActionKind, DecisionState, Status
from signoff.core.policy.readers import involved

REVIEW_KINDS = {
    ActionKind.APPROVE,
    ActionKind.REJECT,
    ActionKind.EDIT,
    ActionKind.REQUEST_CHANGES,
}
FEEDBACK_KINDS = {ActionKind.THUMB, ActionKind.CORRECTION, ActionKind.GROUND_TRUTH}
SOD_KINDS = REVIEW_KINDS | {ActionKind.OVERRIDE, ActionKind.ESCALATE, ActionKind.DELEGATE}


class Refusal(BaseModel):
    code: str
    message: str


def _names(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "nobody"


def verdict_of(action: Action) -> str | None:
    """The vote a review action casts: edits approve; rejections and change requests reject."""
    if action.kind in (ActionKind.APPROVE, ActionKind.EDIT):
        return "approve"
    if action.kind in (ActionKind.REJECT, ActionKind.REQUEST_CHANGES):
        return "reject"
    return None


def is_repeat_vote(state: DecisionState, action: Action) -> bool:
    """A second click of the same vote by the same person is applied once, not refused;
    an edit repeats only when it carries the same output."""
    stage = state.stage
    if stage is None or action.kind not in REVIEW_KINDS:
        return False
    if action.kind is ActionKind.EDIT:
        edit = state.edit
        return (
            edit is not None
            and edit.actor == action.actor
            and (edit.text, edit.payload) == (action.edited_text, action.edited_payload)
        )
    return any(v.actor == action.actor and v.verdict == verdict_of(action) for v in stage.votes)


def check(state: DecisionState, action: Action) -> Refusal | None:
    """Return why ``action`` may not be applied to ``state``, or None when it may.

    Who may act, and when, is checked before whether a reason is missing: a person who
    may not act at all should hear that first.
    """
    if is_repeat_vote(state, action):
        return None
    return _check_actor(state, action) or _check_reason(state, action)


def check_arrival(state: DecisionState, action: Action) -> Refusal | None:
    """Return why ``action`` may not even be taken up, beyond :func:`check`: rules an
    Update's validator alone applies, when the action arrives.

    A comment from someone the decision does not involve is refused here: its author
    would become someone it involves, who may read it (commenting on a guessed id would
    open the decision to anyone who can click a card, and an auditor, who changes
    nothing, would add to the record). A thumb or correction, which anyone who sees a
    final card may give, does not make its giver one of the decision's people here
    (Teams sends a comment right after its thumb). Whom a decision involves only grows,
    so a comment let in here is still from someone involved when its handler runs.

    Why here and not in :func:`check`: the handler runs ``check`` again, also on replay,
    where a new refusal would change what a recorded history does. Temporal runs a
    validator only when an Update arrives, never on replay (the activation job's
    ``run_validator`` is false then, and ``temporalio.worker._workflow_instance`` calls
    the validator only ``if job.run_validator``), so a stricter validator leaves
    decisions in flight replaying as they were, without a patch.
    """
    if action.kind is ActionKind.COMMENT and action.actor not in involved(
        state, by_open_feedback=False
    ):
        return Refusal(code="not_involved", message=messages.COMMENT_NOT_INVOLVED)
    return None


def needs_reason(state: DecisionState, kind: ActionKind) -> bool:
    """Whether ``kind`` needs a reason: overrides always; other actions when the policy
    says so."""
    return kind is ActionKind.OVERRIDE or kind.value in state.plan.policy.reason_required


def _check_reason(state: DecisionState, action: Action) -> Refusal | None:
    if needs_reason(state, action.kind) and not (action.reason or "").strip():
        return Refusal(
            code="reason_required",
            message=f"A reason is required to {action.kind.value.replace('_', ' ')}.",
        )
    return None


def _check_actor(state: DecisionState, action: Action) -> Refusal | None:
    kind = action.kind
    if (
        state.plan.policy.separation_of_duties
        and kind in SOD_KINDS
        and action.actor == state.request.requester
    ):
        return Refusal(
            code="separation_of_duties",
            message="You requested this decision, so you cannot sign it off yourself.",
        )
    if kind in FEEDBACK_KINDS:
        return _check_feedback(state, action)
    if kind is ActionKind.COMMENT:
        return None
    if kind is ActionKind.OVERRIDE:
        return _check_override(state, action)
    if state.status.is_final:
        return Refusal(
            code="already_final",
            message=f"This decision is already final: {state.status.value.replace('_', ' ')}.",
        )
    if kind is ActionKind.CANCEL:
        if action.actor != state.request.requester and action.actor not in state.plan.overriders:
            return Refusal(
                code="not_allowed",
                message="Only the requester or a manager can cancel this decision.",
            )
        return None
    return _check_stage_action(state, action)


def _check_stage_action(state: DecisionState, action: Action) -> Refusal | None:
    stage = state.stage
    assert stage is not None, "a pending decision always has a stage"
    if action.seen_stage is not None and action.seen_stage != stage.index:
        return Refusal(
            code="stale_card",
            message=f"Your card is out of date: the decision is now at stage '{stage.name}'.",
        )
    is_manager = action.actor in state.plan.overriders
    if action.actor not in stage.asked and not (action.kind is ActionKind.ESCALATE and is_manager):
        return Refusal(
            code="not_asked",
            message=(
                f"You are not an approver at stage '{stage.name}'; asked: {_names(stage.asked)}."
            ),
        )
    voted = next((v for v in stage.votes if v.actor == action.actor), None)
    if action.kind in REVIEW_KINDS | {ActionKind.DELEGATE} and voted:
        return Refusal(
            code="already_voted",
            message=f"You already voted to {voted.verdict} at stage '{stage.name}'.",
        )
    if action.kind is ActionKind.EDIT and not state.plan.policy.allow_edits:
        return Refusal(code="edits_not_allowed", message="This policy does not allow edits.")
    if action.kind is ActionKind.ESCALATE and stage.index + 1 >= len(state.plan.stages):
        return Refusal(
            code="no_next_stage",
            message=f"Stage '{stage.name}' is the last one; there is nobody to escalate to.",
        )
    if action.kind is ActionKind.DELEGATE:
        return _check_delegate(state, action)
    return None


def _check_delegate(state: DecisionState, action: Action) -> Refusal | None:
    assert state.stage is not None and action.delegate_to is not None
    target = action.delegate_to
    if target == action.actor or target in state.stage.asked:
        return Refusal(
            code="invalid_delegate",
            message=f"{target} is already asked at this stage.",
        )
    if state.plan.policy.separation_of_duties and target == state.request.requester:
        return Refusal(
            code="separation_of_duties",
            message="You cannot delegate to the person who requested this decision.",
        )
    return None


def _check_override(state: DecisionState, action: Action) -> Refusal | None:
    if action.actor not in state.plan.overriders:
        return Refusal(
            code="not_overrider",
            message=f"Only managers can override; they are: {_names(state.plan.overriders)}.",
        )
    if state.status is Status.CANCELLED:
        return Refusal(code="already_final", message="A cancelled decision cannot be overridden.")
    return None


def _check_feedback(state: DecisionState, action: Action) -> Refusal | None:
    if not state.status.is_final:
        return Refusal(
            code="not_final",
            message="Feedback opens once the decision is final.",
        )
    if action.kind is not ActionKind.GROUND_TRUTH:
        return None
    feedback = state.feedback
    if feedback.ground_truth is not None:
        return Refusal(
            code="ground_truth_settled",
            message=f"Ground truth is already settled as '{feedback.ground_truth.label}'.",
        )
    if feedback.disputed and action.actor in state.plan.adjudicators:
        return None
    if action.actor not in state.plan.experts:
        return Refusal(
            code="not_expert",
            message=f"Only experts can label ground truth; they are: {_names(state.plan.experts)}.",
        )
    return None


def people_outside_plan(state: DecisionState, action: Action) -> list[str]:
    """The people ``action`` names (who acts, and a delegate) whom the decision's plan
    does not already know from the directory: those the directory must be asked about."""
    plan = state.plan
    known = {state.request.requester, *plan.overriders, *plan.experts, *plan.adjudicators}
    for planned in plan.stages:
        known.update(planned.approvers)
    for stage in [*state.past_stages, *([state.stage] if state.stage else [])]:
        known.update(stage.asked)
    named = [action.actor, *([action.delegate_to] if action.delegate_to else [])]
    return [person for person in dict.fromkeys(named) if person not in known]


def unknown_people_refusal(unknown: list[str]) -> Refusal:
    return Refusal(
        code="unknown_person",
        message=messages.UNKNOWN_PEOPLE.format(
            people=", ".join(unknown), verb="is" if len(unknown) == 1 else "are"
        ),
    )
