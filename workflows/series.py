"""Counting a decision's audit events in Signoff's Prometheus series, from workflow code.

Through ``workflow.metric_meter()``, which records nothing while the workflow replays: a
worker that takes a decision up again (after a restart, or once its cache evicted it)
replays what was already counted and counts nothing twice. Counted where events leave
for the audit store, so each is counted by the run that recorded it: a run continued as
new carries its state, not its events. Recording adds no command, so histories replay
unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from signoff.core import metrics
    from signoff.core.models import AuditEvent, DecisionState


def count(events: Sequence[AuditEvent], state: DecisionState | None = None) -> None:
    """What ``events`` add to the series; ``state`` is their decision's (None for a
    refusal audited on its own, which counts by code alone)."""
    if not events:
        return
    meter = workflow.metric_meter()
    use_case = state.request.use_case if state is not None else None
    submitted_at = state.submitted_at if state is not None else None
    for series, value, labels in metrics.observations(
        events, use_case=use_case, submitted_at=submitted_at
    ):
        metrics.record(meter, series, value, labels)
