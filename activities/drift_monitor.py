"""One drift monitor run: read a use case's reference and current windows from the
store, run the monitors on them, and keep what was read.

The statistics (numpy, SciPy, statsmodels) are imported inside :meth:`run_monitors`, on
the first run, never when a worker starts: the workflow sandbox must not load them.
Idempotent by use case and time: the first run kept for them is what every attempt
returns, so a retried run alarms, records and trips exactly as the first did.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from temporalio import activity

from signoff.core.catalog import CHANGE_POLICY_PREFIX, Catalog
from signoff.core.models.drift_monitor import (
    AlarmTarget,
    CusumState,
    MonitorRun,
    MonitorSettings,
    Shift,
)

if TYPE_CHECKING:
    from signoff.adapters.store import Store
    from signoff.adapters.store.drift_windows import WindowData

RATE_FLOOR, RATE_CEILING = 0.01, 0.9
"""The CUSUM's baseline override rate is kept within these: a reference with no
departures at all would make any one departure an infinite surprise."""


class MonitorComputeInput(BaseModel):
    settings: MonitorSettings
    as_of: datetime


class MonitorActivities:
    def __init__(self, catalog: Catalog, store: Store) -> None:
        self._catalog = catalog
        self._store = store

    @activity.defn(name="signoff.run_monitors")
    async def run_monitors(self, input: MonitorComputeInput) -> MonitorRun:
        """The run of ``input.settings.use_case`` at ``input.as_of``: the one kept, if
        an attempt already kept one."""
        from signoff.core.learning import drift

        settings, as_of = input.settings, input.as_of
        since = as_of - settings.window
        store = self._store
        reference = await store.drift_window(
            settings.use_case, since=since - settings.reference, until=since
        )
        current = await store.drift_window(settings.use_case, since=since, until=as_of)
        readings: list[Shift] = []
        minimum = settings.minimum
        if min(reference.n, current.n) >= minimum:
            readings += drift.confidence_shifts(reference.confidences, current.confidences)
            readings.append(drift.mix_shift("label_mix", reference.labels, current.labels))
            readings.append(drift.mix_shift("outcome_mix", reference.outcomes, current.outcomes))
        if min(reference.verdicts, current.verdicts) >= minimum:
            readings.append(
                drift.rate_rise(
                    reference.departed, reference.verdicts, current.departed, current.verdicts
                )
            )
        if len(current.correct) >= minimum:
            readings.append(drift.calibration_gap(current.promised, current.correct))
        cusum, reading = await self._cusum(settings, as_of, reference)
        if reading is not None:
            readings.append(reading)
        run = MonitorRun(
            use_case=settings.use_case,
            as_of=as_of,
            reference_n=reference.n,
            current_n=current.n,
            readings=readings,
            cusum=cusum,
        )
        if run.alarms:
            run.targets = await self._targets(current)
        return await store.add_monitor_run(run)

    async def _cusum(
        self, settings: MonitorSettings, as_of: datetime, reference: WindowData
    ) -> tuple[CusumState, Shift | None]:
        """The CUSUM carried on from the previous run over the decisions decided since
        it; without a previous run, from the start of the current window."""
        from signoff.core.learning import drift

        previous = await self._store.monitor_run_before(settings.use_case, as_of)
        state = previous.cusum if previous is not None else CusumState()
        after = state.through or as_of - settings.window
        if reference.verdicts < settings.minimum:
            # No baseline to measure a rise against: nothing is watched, and these
            # decisions are not saved up for a later baseline either.
            return CusumState(through=as_of), None
        p0 = min(max(reference.departed / reference.verdicts, RATE_FLOOR), RATE_CEILING)
        p1 = min(p0 * settings.cusum_rise, (1 + p0) / 2)
        total, counted, crossed, peak = state.total, state.counted, False, state.total
        async for _, events in self._store.stream_verdicts(
            settings.use_case, after=after, until=as_of
        ):
            step = drift.cusum_from(total, events, p0=p0, p1=p1, limit=settings.cusum_limit)
            if step.crossed is not None:
                # The sum starts again after a crossing: so does the count.
                crossed, counted = True, len(events) - step.crossed - 1
            else:
                counted += len(events)
            total, peak = step.total, max(peak, step.peak)
        reading = Shift(test="override_cusum", value=peak, alarm=crossed)
        return CusumState(total=total, through=as_of, counted=counted), reading

    async def _targets(self, current: WindowData) -> list[AlarmTarget]:
        """The catalog policies that routed the current window's decisions, each with
        the autonomy in force (inline policies have no owners to tell, nor a ladder)."""
        targets = []
        for name in sorted(current.policies):
            policy = self._catalog.policies.get(name)
            if policy is None or name.startswith(CHANGE_POLICY_PREFIX):
                continue
            routing = await self._store.routing(name)
            in_force = routing.change.applied_to(policy) if routing is not None else policy
            targets.append(AlarmTarget(policy=name, autonomy=in_force.autonomy))
        return targets
