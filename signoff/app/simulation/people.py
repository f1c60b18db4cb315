"""Scripted people: reviewers, experts, an adjudicator, thumbs and the application's
reported outcome, each acting through the public :class:`SignoffClient` exactly as a
card click or an application would.

Who acts is read from the decision's plan (the people its policy resolved from the
directory), so the same script works for any policy: the first person still waited on
at each stage votes until the stage moves on, the plan's first two experts label it,
and its first adjudicator settles a dispute with the truth.
"""

from __future__ import annotations

from datetime import datetime

from signoff.app.simulation.population import SimulatedDecision
from signoff.client.signoff_client import SignoffClient
from signoff.core.errors import SignoffError
from signoff.core.models import DecisionState
from signoff.core.models.state import Status

RIGHT, WRONG = "correct", "incorrect"
OUTCOME_SOURCE = "simulation"
_MAX_VOTES = 100
"""A stage that still waits after this many votes is a policy the script cannot finish
(a quorum larger than the people it asks)."""


class SimulationError(SignoffError):
    """The simulation cannot go on: the sentence says why (and is what the CLI prints)."""


def _label(right: bool) -> str:
    return RIGHT if right else WRONG


async def review(signoff: SignoffClient, decision: SimulatedDecision, state: DecisionState) -> str:
    """Vote on a pending decision until it is decided; returns the first reviewer."""
    first = ""
    for _ in range(_MAX_VOTES):
        if state.status is not Status.PENDING:
            return first
        stage = state.stage
        waiting = stage.waiting_on if stage is not None else []
        if stage is None or not waiting:
            raise SimulationError(
                f"Decision '{state.decision_id}' waits on nobody the script can ask."
            )
        actor = waiting[decision.index % len(waiting)]
        first = first or actor
        fields: dict[str, object] = {"seen_stage": stage.index}
        kind = decision.verdict
        if kind == "edit" and stage.votes:  # a later voter of an edited proposal rejects
            kind = "reject"
        if kind == "edit":
            fields |= {"edited_text": f"Corrected proposal {decision.index}.", "reason": "Fixed"}
        elif kind == "reject":
            fields["reason"] = "The proposal is wrong."
        await signoff.perform(state.decision_id, kind, actor, **fields)  # refused: raises
        state = await signoff.state(state.decision_id)
    raise SimulationError(
        f"Decision '{state.decision_id}' was still pending after {_MAX_VOTES} votes."
    )


async def give_feedback(
    signoff: SignoffClient,
    decision: SimulatedDecision,
    state: DecisionState,
    *,
    reviewer: str,
    outcome_at: datetime,
) -> bool:
    """Thumbs, the experts' labels (an adjudicator's when they disagree) and the
    application's outcome, on a decided decision. Returns whether the experts settled
    the wrong label (the one way settled truth departs from the simulation's)."""
    plan, decision_id = state.plan, state.decision_id
    if decision.thumb is not None:
        thumber = reviewer or next((a for s in plan.stages for a in s.approvers), "")
        if thumber:
            await signoff.perform(decision_id, "thumb", thumber, thumb=decision.thumb)
    says, settled_wrong = decision.expert_says_right, False
    if says is not None and plan.experts:
        # Two experts label when the policy wants agreement; with one, its label settles.
        needed = plan.policy.ground_truth.agreeing_experts
        two = needed >= 2 and len(plan.experts) >= 2
        experts = plan.experts[: 2 if two else 1]
        for expert, right in zip(experts, says, strict=False):
            await signoff.perform(decision_id, "ground_truth", expert, label=_label(right))
        if two and says[0] != says[1] and plan.adjudicators:
            await signoff.perform(
                decision_id, "ground_truth", plan.adjudicators[0], label=_label(decision.right)
            )
        if needed == 1:
            settled_wrong = says[0] != decision.right
        elif needed == 2 and two:
            settled_wrong = decision.experts_both_wrong
    if decision.outcome_reported:
        await signoff.record_outcome(
            decision_id, _label(decision.right), OUTCOME_SOURCE, outcome_at
        )
    return settled_wrong
