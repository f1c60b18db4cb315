"""RefusalAuditWorkflow: audits an action an Update validator refused.

A validator must refuse without touching the decision's history, yet every refusal is
audited; the client starts this short workflow (its id derived from the refused action,
so a retry starts nothing new) to write the refusal through the same idempotent
activity as every other audit event.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from signoff.activities import AuditActivities, AuditRecordInput
    from signoff.core.contract import RefusalAuditInput
    from signoff.workflows.series import count


@workflow.defn(name="signoff.RefusalAudit")
class RefusalAuditWorkflow:
    @workflow.run
    async def run(self, input: RefusalAuditInput) -> None:
        count([input.event])
        await workflow.execute_local_activity_method(
            AuditActivities.record_audit,
            AuditRecordInput(events=[input.event]),
            start_to_close_timeout=timedelta(seconds=30),
        )
