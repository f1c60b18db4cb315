"""Who may read a decision: everyone it involves, and auditors.

Chat shows a card only to the people it asks; an HTTP API that anyone signed in could
read every decision through would undo that. So a person reads a decision they requested,
were asked about at any stage (delegates included), may override, label or adjudicate,
or acted on; an auditor reads everything.
"""

from __future__ import annotations

from signoff.core.models import DecisionState, Principal, Role


def involved(state: DecisionState) -> set[str]:
    """The ids of everyone ``state`` involves."""
    plan = state.plan
    people = {state.request.requester, *plan.overriders, *plan.experts, *plan.adjudicators}
    for stage in plan.stages:
        people.update(stage.approvers)
    for stage in (state.stage, *state.past_stages):
        if stage is not None:
            people.update(stage.asked)
            people.update(vote.actor for vote in stage.votes)
    people.update(entry.actor for entry in state.history if entry.actor)
    return people


def may_read(person: Principal, state: DecisionState) -> bool:
    return Role.AUDITOR in person.roles or person.id in involved(state)
