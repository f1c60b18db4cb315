"""Move a use case along the autonomy ladder from application or operator code.

Both moves run as Signoff workflows on the decisions' task queue, so they survive any
restart: a proposal waits for its owners as long as they take, and a breaker's demotion
is written even if the caller goes away at once. Each is started once per key (a
proposal's ``key``, a trip's ``alarm``): starting it again finds the one running.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from signoff.client.signoff_client import SignoffClient
from signoff.core.contract import CIRCUIT_BREAKER_WORKFLOW, POLICY_CHANGE_WORKFLOW
from signoff.core.models.routing import BreakerTrip, PolicyChangeProposal, PolicyChangeResult

__all__ = ["propose_change", "trip_breaker"]


async def propose_change(
    signoff: SignoffClient, proposal: PolicyChangeProposal
) -> WorkflowHandle[object, PolicyChangeResult]:
    """Put ``proposal`` to the policy's owners; its result says whether it was
    approved and which routing version it put in force."""
    return await _once(
        signoff, POLICY_CHANGE_WORKFLOW, proposal, proposal.workflow_id, PolicyChangeResult
    )


async def trip_breaker(
    signoff: SignoffClient, trip: BreakerTrip
) -> WorkflowHandle[object, PolicyChangeResult | None]:
    """Demote ``trip.policy`` to suggest now and ask its owners whether to restore it;
    the result is the restore proposal's (None: it was at suggest or below already)."""
    return await _once(
        signoff,
        CIRCUIT_BREAKER_WORKFLOW,
        trip,
        trip.workflow_id,
        PolicyChangeResult | None,  # type: ignore[arg-type]
    )


async def _once(
    signoff: SignoffClient, workflow: str, arg: BaseModel, workflow_id: str, result_type: Any
) -> WorkflowHandle[object, Any]:
    """Start ``workflow`` under ``workflow_id`` unless it ran: the one running, or the
    one that already settled, answers."""
    try:
        return await signoff.temporal.start_workflow(
            workflow,
            arg,
            id=workflow_id,
            task_queue=signoff.task_queue,
            result_type=result_type,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:  # started before, and already settled
        return signoff.temporal.get_workflow_handle(workflow_id, result_type=result_type)
