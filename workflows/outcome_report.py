"""OutcomeReportWorkflow: records a decision's real-world outcome, at any later time.

The decision's own workflow may have completed long ago (its feedback window closed), so
the report is written from outside it, as a refused action is
(:mod:`signoff.workflows.refusal_audit`): a short workflow whose id is derived from the
report, so twenty callers sending it at once join one run, and whose input keeps the
event in Temporal's history, where ``signoff audit verify --against-temporal`` finds it.
Once started, the report is durable: a worker that dies before writing it leaves the run
to the next worker.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from signoff.activities import OutcomeActivities
    from signoff.core.contract import OutcomeReportInput, OutcomeReportResult
    from signoff.workflows.series import count


@workflow.defn(name="signoff.OutcomeReport")
class OutcomeReportWorkflow:
    @workflow.run
    async def run(self, input: OutcomeReportInput) -> OutcomeReportResult:
        try:
            result = await workflow.execute_local_activity_method(
                OutcomeActivities.record_outcome,
                input,
                start_to_close_timeout=timedelta(seconds=30),
            )
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError):
                raise err.cause from None  # the reporter's own sentence, not the wrapper's
            raise
        if not result.duplicate:
            count([input.event])
        return result
