"""The store against Temporal: every audit event a decision wrote is also the input of a
``record_audit`` activity in the decision's workflow history, and every refusal the
client audited is the input of a refusal-audit workflow, as is every event of an
operations chain (``ops/DAY``: administrators' changes, refusals of no decision), and
every outcome the application reported the result of an outcome-report workflow.
Temporal keeps that record on its own, outside the audit store, so a database
administrator who rewrites the store (and recomputes every hash) still disagrees with it.

Decisions recorded before the patch ``audit-from-history`` wrote their events from local
activities, whose inputs history does not keep; they are reported as not comparable,
as are decisions whose history Temporal no longer holds (retention).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from signoff.activities.inputs import AuditRecordInput
from signoff.adapters.store import Store
from signoff.core.contract import (
    DECISION_WORKFLOW,
    OPERATIONS_WORKFLOW_PREFIX,
    OUTCOME_REPORT_WORKFLOW,
    RECORD_AUDIT_ACTIVITY,
    REFUSAL_AUDIT_WORKFLOW,
    WORKFLOW_ID_PREFIX,
    OutcomeReportResult,
    RefusalAuditInput,
    chain_of_operations_workflow,
    is_operations_chain,
    operations_prefix,
    outcome_prefix,
    refusal_prefix,
    workflow_id_for,
)
from signoff.core.models import AuditEvent, ChainBreak, ChainedEvent
from signoff.core.models.outcome_report import OUTCOME_MARK

CONCURRENT_FETCHES = 16
_COMPARED = ("kind", "actor", "stage", "data")


@dataclass
class Recorded:
    """What one decision's histories say was written to the audit store."""

    written: list[AuditEvent] = field(default_factory=list)
    """Inputs of completed ``record_audit`` activities, in order."""
    in_flight: list[AuditEvent] = field(default_factory=list)
    """Inputs of the one scheduled but not yet completed (it may or may not be stored)."""
    comparable: bool = True


@dataclass
class HistoryReport:
    decisions_compared: int = 0
    events_compared: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    not_comparable: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaks


async def recorded_by(client: Client, decision_id: str) -> Recorded | None:
    """Every run's ``record_audit`` inputs, oldest run first; None without a history."""
    runs: list[Recorded] = []
    run_id: str | None = None
    while True:
        handle = client.get_workflow_handle(workflow_id_for(decision_id), run_id=run_id)
        try:
            history = await handle.fetch_history()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND and runs:
                break  # the older runs are past retention; compare what is left
            if exc.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        run, previous = await _record_of(client, history.events)
        runs.append(run)
        if not previous:
            break
        run_id = previous
    whole = Recorded(comparable=all(r.comparable for r in runs))
    for run in reversed(runs):
        whole.written += whole.in_flight + run.written  # an older run's last write finished
        whole.in_flight = run.in_flight
    return whole


async def _record_of(client: Client, events: Sequence[Any]) -> tuple[Recorded, str]:
    scheduled: dict[int, list[AuditEvent]] = {}
    completed: set[int] = set()
    audited_locally = False
    previous = ""
    for event in events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            previous = event.workflow_execution_started_event_attributes.continued_execution_run_id
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            if attrs.activity_type.name == RECORD_AUDIT_ACTIVITY:
                (record,) = await client.data_converter.decode(
                    attrs.input.payloads, [AuditRecordInput]
                )
                scheduled[event.event_id] = record.events
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed.add(event.activity_task_completed_event_attributes.scheduled_event_id)
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            audited_locally |= _is_local_audit(event.marker_recorded_event_attributes)
    run = Recorded(comparable=not audited_locally)
    for event_id in sorted(scheduled):
        target = run.written if event_id in completed else run.in_flight
        target += scheduled[event_id]
    return run, previous


def _is_local_audit(marker: Any) -> bool:
    """Whether a marker is a ``record_audit`` local activity (before ``audit-from-history``),
    whose input history does not keep. Its ``data`` payload names the activity type."""
    data = marker.details.get("data")
    if data is None or not data.payloads:
        return False
    try:
        described = json.loads(data.payloads[0].data)
    except ValueError:
        return False
    return isinstance(described, dict) and described.get("activity_type") == RECORD_AUDIT_ACTIVITY


@dataclass(frozen=True)
class _Outside:
    """A kind of event written from outside the decision's workflow, by a short workflow
    of its own whose history keeps the event."""

    workflow: str
    prefix: Callable[[str], str]
    record: Callable[[Client, Any], Awaitable[AuditEvent]]
    """The event the workflow recorded, from the history of a completed run."""


async def _started_with(client: Client, history: Any) -> AuditEvent:
    """The event a run was started to write (both kinds' inputs carry it as ``event``)."""
    started = history.events[0].workflow_execution_started_event_attributes
    (audit,) = await client.data_converter.decode(started.input.payloads, [RefusalAuditInput])
    return audit.event


async def _completed_with(client: Client, history: Any) -> AuditEvent:
    """A report's run answers with the event as stored: its own, or, for a retry after
    an earlier run completed, that run's (the one the store keeps)."""
    done = history.events[-1].workflow_execution_completed_event_attributes
    (result,) = await client.data_converter.decode(done.result.payloads, [OutcomeReportResult])
    return result.event


_OUTSIDE = (
    _Outside(REFUSAL_AUDIT_WORKFLOW, refusal_prefix, _started_with),
    _Outside(OUTCOME_REPORT_WORKFLOW, outcome_prefix, _completed_with),
)
_OPERATIONS = (_Outside(REFUSAL_AUDIT_WORKFLOW, operations_prefix, _started_with),)
"""Every event of an operations chain is written by an audit workflow of its own."""


@dataclass
class Outside:
    """The events written for one chain from outside its workflow, as Temporal has them."""

    written: list[AuditEvent] = field(default_factory=list)
    """Of completed workflows: the store must hold them."""
    in_flight: list[AuditEvent] = field(default_factory=list)
    """Of workflows still writing: the store may hold them yet or not."""


async def outside_events_in(client: Client, decision_id: str) -> Outside:
    """The events written for ``decision_id`` from outside its workflow (refusals the
    client audited, outcomes the application reported; for an operations chain, every
    event it holds), as Temporal recorded them."""
    found, written = Outside(), set[str]()
    kinds = _OPERATIONS if is_operations_chain(decision_id) else _OUTSIDE
    for kind in kinds:
        prefix = kind.prefix(decision_id)
        query = f"WorkflowType = '{kind.workflow}' AND WorkflowId STARTS_WITH '{prefix}'"
        async for execution in client.list_workflows(query):
            history = await client.get_workflow_handle(
                execution.id, run_id=execution.run_id
            ).fetch_history()
            done = execution.status == WorkflowExecutionStatus.COMPLETED
            event = await (kind.record if done else _started_with)(client, history)
            if event.decision_id != decision_id:
                continue
            if done and event.event_id not in written:
                written.add(event.event_id)
                found.written.append(event)
            elif not done:
                found.in_flight.append(event)
    return found


_OUTSIDE_MARKS = (("/refusal/", "refusal"), (OUTCOME_MARK, "reported outcome"))
"""What the id of an event written from outside a decision's workflow holds, and only
such an event's: so one in the store that Temporal does not know is seen."""


def _outside_noun(event_id: str) -> str | None:
    """What an event written from outside a decision's workflow is, by its id."""
    for mark, noun in _OUTSIDE_MARKS:
        if mark in event_id:
            return noun
    return None


def _same(stored: ChainedEvent, recorded: AuditEvent) -> list[str]:
    differ = [
        name
        for name in _COMPARED
        if to_jsonable_python(getattr(stored, name)) != to_jsonable_python(getattr(recorded, name))
    ]
    if stored.at != recorded.at:
        differ.append("at")
    return differ


def compare(
    decision_id: str,
    stored: Sequence[ChainedEvent],
    recorded: Recorded,
    outside: Outside,
) -> ChainBreak | None:
    """The first way the store's events of ``decision_id`` differ from Temporal's;
    ``outside`` holds the events written from outside its workflow
    (:func:`outside_events_in`)."""
    # A completed run's record wins over any other run under the same id: a report
    # refused for conflicting with the recorded one ran (and failed) with its own input.
    told = {e.event_id: e for e in outside.in_flight + outside.written}
    own = [e for e in stored if e.event_id not in told]
    expected = recorded.written + recorded.in_flight[: max(0, len(own) - len(recorded.written))]

    def broken(event: ChainedEvent | AuditEvent, seq: int, problem: str) -> ChainBreak:
        return ChainBreak(
            decision_id=decision_id, seq=seq, event_id=event.event_id, problem=problem
        )

    for position, (mine, theirs) in enumerate(zip(own, expected, strict=False)):
        if mine.event_id != theirs.event_id:
            return broken(
                mine,
                mine.seq,
                f"the store holds {mine.event_id} where the workflow's history recorded"
                f" {theirs.event_id} (event {position + 1} of the workflow's)",
            )
        differ = _same(mine, theirs)
        if differ:
            return broken(
                mine,
                mine.seq,
                f"the stored event's {', '.join(differ)} differ from what the workflow's"
                " history recorded: the store was edited",
            )
    if len(own) < len(recorded.written):
        missing = recorded.written[len(own)]
        return broken(
            missing,
            0,
            f"the workflow's history recorded {len(recorded.written)} events; the store holds"
            f" {len(own)}: {missing.event_id} and after are missing",
        )
    if len(own) > len(expected):
        extra = own[len(expected)]
        return broken(
            extra, extra.seq, "the event is in the store but in none of the workflow's histories"
        )
    stored_ids = {e.event_id for e in stored}
    for event in outside.written:
        if event.event_id not in stored_ids:
            noun = _outside_noun(event.event_id)
            return broken(event, 0, f"a {noun} Temporal recorded is missing from the store")
    for event in stored:
        noun = _outside_noun(event.event_id)
        if noun is not None and event.event_id not in told:
            return broken(event, event.seq, f"the {noun} is in the store but not in Temporal")
        if event.event_id in told and _same(event, told[event.event_id]):
            return broken(event, event.seq, f"the stored {noun} differs from Temporal's record")
    return None


async def decisions_in_temporal(client: Client, task_queue: str) -> set[str]:
    """Every decision of ``task_queue`` Temporal holds a history for (any run), and
    every operations chain it holds an event's workflow for: a chain deleted from the
    store whole is still looked for."""
    found: set[str] = set()
    query = f"WorkflowType = '{DECISION_WORKFLOW}' AND TaskQueue = '{task_queue}'"
    async for execution in client.list_workflows(query):
        found.add(execution.id.removeprefix(WORKFLOW_ID_PREFIX))
    operations = (
        f"WorkflowType = '{REFUSAL_AUDIT_WORKFLOW}' AND TaskQueue = '{task_queue}'"
        f" AND WorkflowId STARTS_WITH '{OPERATIONS_WORKFLOW_PREFIX}'"
    )
    async for execution in client.list_workflows(operations):
        found.add(chain_of_operations_workflow(execution.id))
    return found


async def compare_with_temporal(
    client: Client, store: Store, *, task_queue: str, decision_id: str | None = None
) -> HistoryReport:
    """Compare one decision (or every decision the store or ``task_queue``'s workflows
    know) with Temporal."""
    if decision_id is not None:
        ids = {decision_id}
    else:
        ids = set(await store.decision_ids()) | await decisions_in_temporal(client, task_queue)
    report = HistoryReport()
    gate = asyncio.Semaphore(CONCURRENT_FETCHES)

    async def one(d: str) -> None:
        async with gate:
            # An operations chain has no workflow of its own: every event in it came
            # through a workflow of its own, as a refusal does.
            recorded = Recorded() if is_operations_chain(d) else await recorded_by(client, d)
            outside = await outside_events_in(client, d)
        stored = await store.events(d)
        if recorded is None:
            report.not_comparable[d] = "Temporal holds no history for it (past retention?)"
            return
        if not recorded.comparable:
            report.not_comparable[d] = (
                "recorded before the patch audit-from-history: its history keeps no copy of"
                " the events written"
            )
            return
        report.decisions_compared += 1
        report.events_compared += len(stored)
        found = compare(d, stored, recorded, outside)
        if found is not None:
            report.breaks.append(found)

    await asyncio.gather(*(one(d) for d in sorted(ids)))
    report.breaks.sort(key=lambda b: b.decision_id)
    return report
