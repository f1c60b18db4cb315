"""Workflow tasks that fail once at a chosen point, as a crash or a lost task would, so a
spec can show that nothing done before the failure survives as fact unless history
holds it.

An exception other than ``ApplicationError`` fails the workflow task; the server hands
the task out again and the workflow replays. The points already failed are kept outside
the sandbox, in the interceptor's own state, so each fails once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)


class InjectedTaskFailure(RuntimeError):
    """Fails the workflow task it is raised in."""


@dataclass
class FailOnce(Interceptor):
    """Fail a workflow task once per point, at each point switched on.

    Args:
        after_audit_scheduled: once per decision and Update name, right after the
            Update's handler made the workflow ask for an audit write (the command is
            made, the task not yet complete).
        after_update_handled: right after an Update's handler returned (its audit
            record is written), before the task that completes it is done.
        after_workflow_ran: right after a refusal audit's run returned (its local
            activity has written).
    """

    after_audit_scheduled: bool = False
    after_update_handled: bool = False
    after_workflow_ran: bool = False
    failed: set[tuple[str, str]] = field(default_factory=set)
    audit_asked: set[str] = field(default_factory=set)

    def first_time(self, point: str, key: str) -> bool:
        if (point, key) in self.failed:
            return False
        self.failed.add((point, key))
        return True

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        plan = self

        class Outbound(WorkflowOutboundInterceptor):
            def start_activity(self, input: StartActivityInput) -> Any:
                if input.activity == "signoff.record_audit":
                    plan.audit_asked.add(workflow.info().workflow_id)
                return super().start_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

            async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
                workflow_id = workflow.info().workflow_id
                key = f"{workflow_id}/{input.update}"
                if plan.after_audit_scheduled and plan.first_time("audit-scheduled", key):
                    # Let the handler run until it has asked for its audit write, then fail
                    # the task from the handler, where an exception fails the task (one in
                    # the workflow's own background tasks would not).
                    plan.audit_asked.discard(workflow_id)
                    handling = asyncio.ensure_future(super().handle_update_handler(input))
                    await workflow.wait_condition(
                        lambda: workflow_id in plan.audit_asked or handling.done()
                    )
                    raise InjectedTaskFailure(f"injected after {key} asked for its audit write")
                result = await super().handle_update_handler(input)
                key = f"{workflow_id}/{input.id}"
                if plan.after_update_handled and plan.first_time("update-handled", key):
                    raise InjectedTaskFailure(f"injected after handling {key}")
                return result

            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                result = await super().execute_workflow(input)
                info = workflow.info()
                key = info.workflow_id
                if (
                    plan.after_workflow_ran
                    and info.workflow_type == "signoff.RefusalAudit"
                    and plan.first_time("workflow-ran", key)
                ):
                    raise InjectedTaskFailure(f"injected after running {key}")
                return result

        return Inbound
