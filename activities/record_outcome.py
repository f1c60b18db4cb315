"""Write a reported outcome into its decision's audit chain, exactly once per report.

A report is named by its decision, source and key, not by when it was sent: a retry made
after the first report's workflow completed runs again with a later time. The event
stored first stays, and the retry is answered with it; a different report under the
same key is refused, never written over the first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.exceptions import ApplicationError

from signoff.core.contract import (
    RECORD_OUTCOME_ACTIVITY,
    ErrorType,
    OutcomeReportInput,
    OutcomeReportResult,
)
from signoff.core.models import AuditEvent
from signoff.core.models.outcome_report import conflict_sentence, same_report

if TYPE_CHECKING:
    from signoff.adapters.store import Store


class OutcomeActivities:
    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name=RECORD_OUTCOME_ACTIVITY)
    async def record_outcome(self, input: OutcomeReportInput) -> OutcomeReportResult:
        stored = await self._store.record_first(input.event)
        return _answer(input.event, stored)


def _answer(event: AuditEvent, stored: AuditEvent) -> OutcomeReportResult:
    if not same_report(event, stored):
        raise ApplicationError(
            conflict_sentence(stored), type=ErrorType.OUTCOME_CONFLICT, non_retryable=True
        )
    # The same event (this run's own write, retried) is no duplicate; an earlier run's is.
    return OutcomeReportResult(event=stored, duplicate=stored != event)
