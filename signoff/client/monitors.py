"""Drift monitors on Temporal Schedules: one schedule per use case, which starts a
``MonitorWorkflow`` run on Signoff's task queue every interval.

A use case has one monitor: the schedule id is made from it, so enabling it again with
the same settings changes nothing, and with other settings is refused (disable it
first), never two schedules watching one use case with two baselines. Runs of one
schedule never overlap (a run-now while one runs waits for it), since each carries the
previous one's CUSUM on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowHandle,
)
from temporalio.common import RetryPolicy
from temporalio.service import RPCError, RPCStatusCode

from signoff.client.signoff_client import SignoffClient
from signoff.core.contract import MONITOR_WORKFLOW
from signoff.core.errors import MonitorConflict, MonitorNotFound
from signoff.core.models.drift_monitor import (
    MONITOR_SCHEDULE_PREFIX,
    MonitorRun,
    MonitorRunInput,
    MonitorSettings,
    monitor_schedule_id,
)

__all__ = ["MonitorListing", "disable_monitor", "enable_monitor", "list_monitors", "run_now"]

RUN_ATTEMPTS = 3
"""A run that fails (the store unreachable, say) is run again as the same run: same
time, same alarm id, so it records and trips at most once."""
_STARTED_WITHIN = timedelta(seconds=30)


class MonitorListing(BaseModel):
    settings: MonitorSettings
    every: timedelta
    paused: bool
    next_run: datetime | None
    last_run: datetime | None


async def enable_monitor(
    signoff: SignoffClient, settings: MonitorSettings, *, every: timedelta
) -> bool:
    """Schedule ``settings.use_case``'s monitor every ``every``; False when it already
    was, with these settings.

    Raises:
        MonitorConflict: it is monitored already, with other settings or interval.
    """
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            MONITOR_WORKFLOW,
            MonitorRunInput(settings=settings),
            id=settings.schedule_id,
            task_queue=signoff.task_queue,
            retry_policy=RetryPolicy(maximum_attempts=RUN_ATTEMPTS),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE),
    )
    try:
        await signoff.temporal.create_schedule(settings.schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        handle = signoff.temporal.get_schedule_handle(settings.schedule_id)
        listing = await _listing(signoff, handle)
        if listing.settings == settings and listing.every == every:
            return False
        raise MonitorConflict(
            f"Use case '{settings.use_case}' is monitored already, every"
            f" {_duration(listing.every)} with its own settings; `signoff monitors disable"
            f" {settings.use_case}` first to change them."
        ) from None


async def disable_monitor(signoff: SignoffClient, use_case: str) -> None:
    """Delete the use case's schedule; its past runs and alarms stay recorded."""
    handle = signoff.temporal.get_schedule_handle(monitor_schedule_id(use_case))
    try:
        await handle.delete()
    except RPCError as exc:
        raise _missing(exc, use_case) from exc


async def list_monitors(signoff: SignoffClient) -> list[MonitorListing]:
    """Every monitor's settings and times, by use case."""
    found = []
    async for listed in await signoff.temporal.list_schedules():
        if listed.id.startswith(MONITOR_SCHEDULE_PREFIX):
            found.append(await _listing(signoff, signoff.temporal.get_schedule_handle(listed.id)))
    return sorted(found, key=lambda m: m.settings.use_case)


async def run_now(signoff: SignoffClient, use_case: str) -> WorkflowHandle[object, MonitorRun]:
    """Run the use case's monitor now (after the running one, if one runs); the handle
    of the run it started."""
    handle = signoff.temporal.get_schedule_handle(monitor_schedule_id(use_case))
    try:
        before = await handle.describe()
    except RPCError as exc:
        raise _missing(exc, use_case) from exc
    seen = _started(before)
    await handle.trigger()
    deadline = datetime.now(UTC) + _STARTED_WITHIN
    while datetime.now(UTC) < deadline:
        new = _started(await handle.describe()) - seen
        if new:
            return signoff.temporal.get_workflow_handle(min(new), result_type=MonitorRun)
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the monitor of '{use_case}' did not start within 30 s")


def _started(description: ScheduleDescription) -> set[str]:
    info = description.info
    return {a.action.workflow_id for a in info.recent_actions} | {
        a.workflow_id for a in info.running_actions
    }


async def _listing(signoff: SignoffClient, handle: ScheduleHandle) -> MonitorListing:
    description = await handle.describe()
    action = description.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    (run_input,) = await signoff.temporal.data_converter.decode(action.args, [MonitorRunInput])
    intervals = description.schedule.spec.intervals
    recent = description.info.recent_actions
    return MonitorListing(
        settings=run_input.settings,
        every=intervals[0].every if intervals else timedelta(0),
        paused=description.schedule.state.paused,
        next_run=min(description.info.next_action_times, default=None),
        last_run=max((a.started_at for a in recent), default=None),
    )


def _missing(exc: RPCError, use_case: str) -> Exception:
    return MonitorNotFound(use_case) if exc.status is RPCStatusCode.NOT_FOUND else exc


def _duration(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
