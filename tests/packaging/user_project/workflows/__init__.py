"""The application's own workflows package, named as Temporal applications name theirs."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import issue_refund
    from signoff import DecisionRequest, request_signoff


@workflow.defn
class RefundFlow:
    """Asks a person to sign off, then runs the application's own activity."""

    @workflow.run
    async def run(self, request: DecisionRequest) -> str:
        outcome = await request_signoff(request)
        if not outcome.approved:
            return f"not refunded: {outcome.status.value}"
        return await workflow.execute_activity(
            issue_refund, request.subject, start_to_close_timeout=timedelta(seconds=10)
        )
