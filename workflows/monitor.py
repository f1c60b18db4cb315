"""MonitorWorkflow: one run of a use case's drift monitors, started by its Temporal
Schedule (``signoff monitors enable``).

The run's readings are an activity's result, so the workflow's history holds them. An
alarm is then written to the operations trail (``ops/DAY``, through the same short
audit workflow an operator's change takes, so ``signoff audit verify
--against-temporal`` holds the store to it), and told to each policy's owners in its
channels: a policy above ``suggest`` trips the circuit breaker, which demotes it and asks
them whether to restore; a policy already at ``suggest`` or below gets a ``drift-alarm``
decision for its owners to acknowledge. Every child's id comes from the alarm id (use
case and run time), so a retried run records and trips once.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from signoff.activities.drift_monitor import MonitorActivities, MonitorComputeInput
    from signoff.core.catalog import CHANGE_POLICY_PREFIX
    from signoff.core.contract import (
        DECISION_WORKFLOW,
        MONITOR_WORKFLOW,
        DecisionWorkflowInput,
        RefusalAuditInput,
        operations_chain,
        operations_event_id,
        operations_workflow_id,
        workflow_id_for,
    )
    from signoff.core.models import (
        AuditEvent,
        AuditKind,
        DecisionRequest,
        ModelInfo,
        Proposal,
        RiskTier,
    )
    from signoff.core.models.drift_monitor import (
        DRIFT_ALARM_USE_CASE,
        AlarmTarget,
        MonitorRun,
        MonitorRunInput,
    )
    from signoff.core.models.routing import BreakerTrip
    from signoff.workflows.policy_change import CircuitBreakerWorkflow
    from signoff.workflows.refusal_audit import RefusalAuditWorkflow

SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
MONITOR_ACTOR = "signoff:monitor"
_READ = timedelta(minutes=10)


def acknowledgement(run: MonitorRun, target: AlarmTarget, requester: str) -> DecisionRequest:
    """The decision that tells ``target``'s owners of an alarm when there is nothing to
    demote: approving it acknowledges the alarm."""
    return DecisionRequest(
        id=f"{DRIFT_ALARM_USE_CASE}-{run.alarm_id}-{target.policy}"[:200],
        use_case=DRIFT_ALARM_USE_CASE,
        subject=target.policy,
        title=f"Drift alarm on {run.use_case}",
        proposal=Proposal(
            text=f"{run.reason} {target.policy!r} is at {target.autonomy.value} already:"
            " approve to acknowledge.",
            payload={"use_case": run.use_case, "alarm": run.alarm_id, "policy": target.policy},
        ),
        confidence=1.0,
        rationale=run.reason,
        model=ModelInfo(name="signoff-monitor", version="1"),
        risk_tier=RiskTier.HIGH,
        requester=requester,
        policy=f"{CHANGE_POLICY_PREFIX}{target.policy}",
    )


@workflow.defn(name=MONITOR_WORKFLOW)
class MonitorWorkflow:
    @workflow.run
    async def run(self, input: MonitorRunInput) -> MonitorRun:
        as_of = input.as_of or self._scheduled_at()
        run = await workflow.execute_activity_method(
            MonitorActivities.run_monitors,
            MonitorComputeInput(settings=input.settings, as_of=as_of),
            start_to_close_timeout=_READ,
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        if not run.alarms:
            return run
        await self._record(run)
        for target in run.targets:
            await self._tell(run, target, input.settings.requester)
        return run

    @staticmethod
    def _scheduled_at() -> datetime:
        """The time the schedule started this run for (kept by a retried run), else
        when this run started."""
        info = workflow.info()
        scheduled = info.typed_search_attributes.get(SCHEDULED_AT)
        return scheduled if scheduled is not None else info.workflow_start_time

    async def _record(self, run: MonitorRun) -> None:
        chain = operations_chain(run.as_of)
        kind = AuditKind.DRIFT_ALARM
        event = AuditEvent(
            event_id=operations_event_id(chain, kind.value, run.alarm_id),
            decision_id=chain,
            kind=kind,
            at=run.as_of,
            actor=MONITOR_ACTOR,
            data={
                "use_case": run.use_case,
                "alarm": run.alarm_id,
                "reason": run.reason,
                "readings": [r.model_dump(mode="json") for r in run.alarms],
                "policies": [t.policy for t in run.targets],
                "run_id": workflow.info().workflow_id,
            },
        )
        # Recorded already, when an earlier attempt of this run started it.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await workflow.execute_child_workflow(
                RefusalAuditWorkflow.run,
                RefusalAuditInput(event=event),
                id=operations_workflow_id(chain, run.alarm_id),
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )

    async def _tell(self, run: MonitorRun, target: AlarmTarget, requester: str) -> None:
        """Start the breaker or the acknowledgement; either outlives this run."""
        try:
            if target.trips:
                trip = BreakerTrip(
                    policy=target.policy, reason=run.reason, alarm=run.alarm_id, requester=requester
                )
                await workflow.start_child_workflow(
                    CircuitBreakerWorkflow.run,
                    trip,
                    id=trip.workflow_id,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            else:
                request = acknowledgement(run, target, requester)
                await workflow.start_child_workflow(
                    DECISION_WORKFLOW,
                    DecisionWorkflowInput(request=request),
                    id=workflow_id_for(request.id),
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
        except WorkflowAlreadyStartedError:
            pass  # told by an earlier attempt of this run
