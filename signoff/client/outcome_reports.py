"""Reporting a decision's real-world outcome, at any time after it was decided.

The report goes through Temporal before anything is written: once the outcome-report
workflow has started, the report is durable, and a worker that dies before writing it
leaves it to the next one. The caller waits for the write, so a returned
:class:`ReportedOutcome` is in the decision's audit chain and its outcomes table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from signoff.core import messages
from signoff.core.contract import (
    OUTCOME_REPORT_WORKFLOW,
    ErrorType,
    OutcomeReportInput,
    OutcomeReportResult,
    outcome_workflow_id,
)
from signoff.core.errors import ActionRefused, OutcomeConflict
from signoff.core.models import OutcomeReport, ReportedOutcome
from signoff.core.models.outcome_report import (
    conflict_sentence,
    outcome_event,
    reported,
    same_report,
)

if TYPE_CHECKING:
    from signoff.client.signoff_client import SignoffClient

UNDECIDED = "undecided"
"""The refusal code of an outcome reported for a decision not decided yet."""


async def record_outcome(
    signoff: SignoffClient,
    decision_id: str,
    report: OutcomeReport,
    *,
    reported_by: str | None,
    via: str,
) -> ReportedOutcome:
    """Record ``report`` in ``decision_id``'s audit chain once (see
    :meth:`SignoffClient.record_outcome`)."""
    state = await signoff.state(decision_id)
    if state.outcome is None:
        # What happened in the world follows from a decision; before one there is
        # nothing for it to be the truth about yet.
        raise ActionRefused(
            UNDECIDED,
            messages.OUTCOME_UNDECIDED.format(decision_id=decision_id, status=state.status.value),
        )
    event = outcome_event(
        decision_id, report, reported_by=reported_by, via=via, now=datetime.now(UTC)
    )
    handle = await signoff.temporal.start_workflow(
        OUTCOME_REPORT_WORKFLOW,
        OutcomeReportInput(event=event),
        id=outcome_workflow_id(decision_id, report.digest()),
        task_queue=signoff.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        result_type=OutcomeReportResult,
    )
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == ErrorType.OUTCOME_CONFLICT:
            raise OutcomeConflict(cause.message) from None
        raise
    if not same_report(result.event, event):
        # Joined a run of another report under the same key, still writing.
        raise OutcomeConflict(conflict_sentence(result.event))
    return reported(result.event, duplicate=result.duplicate or result.event != event)
