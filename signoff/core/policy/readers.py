"""Who may read a decision: everyone it involves, and auditors.

Chat shows a card only to the people it asks; an HTTP API that anyone signed in could
read every decision through would undo that. So a person reads a decision they requested,
were asked about at any stage (delegates included), may override, label or adjudicate,
or acted on; an auditor reads everything.
"""

from __future__ import annotations

from signoff.core.models import AuditKind, DecisionState, Principal, Role

OPEN_FEEDBACK = frozenset({AuditKind.FEEDBACK.value, AuditKind.CORRECTION.value})
"""What anyone who sees a final card may give (a thumb, a correction)."""


def involved(state: DecisionState, *, by_open_feedback: bool = True) -> set[str]:
    """The ids of everyone ``state`` involves; without ``by_open_feedback``, not those
    whose only part in it is feedback anyone who saw a card may give (a thumb in a
    channel does not make its giver one of the decision's people)."""
    plan = state.plan
    people = {state.request.requester, *plan.overriders, *plan.experts, *plan.adjudicators}
    for stage in plan.stages:
        people.update(stage.approvers)
    for stage in (state.stage, *state.past_stages):
        if stage is not None:
            people.update(stage.asked)
            people.update(vote.actor for vote in stage.votes)
    people.update(
        entry.actor
        for entry in state.history
        if entry.actor and (by_open_feedback or entry.kind not in OPEN_FEEDBACK)
    )
    return people


def may_read(person: Principal, state: DecisionState) -> bool:
    return Role.AUDITOR in person.roles or person.id in involved(state)
