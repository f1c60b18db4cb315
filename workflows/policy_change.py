"""The autonomy ladder's two moves, each durable and each on the record.

Up (PolicyChangeWorkflow): the proposal is itself a Signoff decision, use case
``policy-change``, reviewed by the policy's owners in its channels; only an approval
writes the new routing version, and only if nothing moved the policy since the evidence
was gathered. Down (CircuitBreakerWorkflow): the demotion to ``suggest`` is written at
once, and then the owners are asked, as a policy-change decision, whether to restore
what was in force: the card tells them, and going back up is their new sign-off.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from signoff.activities.inputs import RoutingChangeInput
    from signoff.activities.ladder import LadderActivities
    from signoff.core.catalog import CHANGE_POLICY_PREFIX, CHANGE_USE_CASE
    from signoff.core.contract import CIRCUIT_BREAKER_WORKFLOW, POLICY_CHANGE_WORKFLOW
    from signoff.core.models import DecisionRequest, ModelInfo, Proposal, RiskTier
    from signoff.core.models.policy import AutonomyLevel
    from signoff.core.models.routing import (
        BreakerTrip,
        PolicyChangeProposal,
        PolicyChangeResult,
        RoutingChange,
        RoutingOrigin,
    )
    from signoff.workflows.child_decision import request_signoff

_CHANGE = timedelta(seconds=30)


def _describe(change: RoutingChange) -> str:
    parts = []
    if change.autonomy is not None:
        parts.append(f"autonomy {change.autonomy.value}")
    if change.min_confidence is not None:
        parts.append(f"auto-approve from confidence {change.min_confidence:.2f}")
    return " and ".join(parts)


def change_request(proposal: PolicyChangeProposal) -> DecisionRequest:
    """The decision that puts ``proposal`` to the policy's owners."""
    what = _describe(proposal.change)
    return DecisionRequest(
        id=proposal.decision_id,
        use_case=CHANGE_USE_CASE,
        subject=proposal.policy,
        title=f"Set {proposal.policy} to {what}",
        proposal=Proposal(
            text=f"Route {proposal.policy!r} with {what} (from routing version"
            f" {proposal.expected}).",
            payload={
                "policy": proposal.policy,
                "change": proposal.change.model_dump(mode="json", exclude_none=True),
                "expected_version": proposal.expected,
            },
        ),
        confidence=proposal.confidence,
        rationale=proposal.reason,
        model=ModelInfo(name="signoff-ladder", version="1"),
        risk_tier=RiskTier.HIGH,
        requester=proposal.requester,
        policy=f"{CHANGE_POLICY_PREFIX}{proposal.policy}",
    )


@workflow.defn(name=POLICY_CHANGE_WORKFLOW)
class PolicyChangeWorkflow:
    @workflow.run
    async def run(self, proposal: PolicyChangeProposal) -> PolicyChangeResult:
        request = change_request(proposal)
        change = RoutingChangeInput(
            policy=proposal.policy,
            change=proposal.change,
            origin=RoutingOrigin.SIGN_OFF,
            reason=proposal.reason,
            decided_by=request.id,
            expected=proposal.expected,
        )
        await workflow.execute_local_activity_method(
            LadderActivities.check_change, change, start_to_close_timeout=_CHANGE
        )
        outcome = await request_signoff(request)
        if not outcome.approved:
            return PolicyChangeResult(decision_id=request.id, approved=False)
        version = await workflow.execute_activity_method(
            LadderActivities.change_routing, change, start_to_close_timeout=_CHANGE
        )
        return PolicyChangeResult(
            decision_id=request.id, approved=True, version=version, stale=version is None
        )


@workflow.defn(name=CIRCUIT_BREAKER_WORKFLOW)
class CircuitBreakerWorkflow:
    @workflow.run
    async def run(self, trip: BreakerTrip) -> PolicyChangeResult | None:
        """Demotes, then asks; None when the policy already was at suggest or below."""
        demoted = await workflow.execute_activity_method(
            LadderActivities.demote,
            RoutingChangeInput(
                policy=trip.policy,
                change=RoutingChange(autonomy=AutonomyLevel.SUGGEST),
                origin=trip.origin,
                reason=trip.reason,
                decided_by=trip.alarm,
            ),
            start_to_close_timeout=_CHANGE,
        )
        if demoted is None:
            return None
        restored = demoted.before.autonomy
        assert restored is not None
        restore = PolicyChangeProposal(
            policy=trip.policy,
            change=RoutingChange(autonomy=restored),
            reason=f"Demoted to suggest: {trip.reason} Approve to restore {restored.value};"
            " reject to keep it at suggest.",
            requester=trip.requester,
            expected=demoted.after.version,
            key=trip.restore_key,
        )
        return await workflow.execute_child_workflow(
            PolicyChangeWorkflow.run, restore, id=restore.workflow_id
        )
