"""Drift monitors on a Temporal Schedule per use case, end to end on the dev server and
the store: a stable population is quiet; a shift alarms, is recorded in the operations
trail, and trips the circuit breaker; an override-rate rise is caught by the CUSUM
within a bounded number of decisions after its onset and not before; a retried run
alarms and trips once.

The reference window (the month before the current day) is seeded as ``decision_facts``
rows dated in the past, as a month of earlier decisions would have left them: no
workflow can be submitted in the past. The current window is real decisions through
real workflows where the spec is about them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from signoff import Status
from signoff.adapters.store import Store
from signoff.client.monitors import (
    disable_monitor,
    enable_monitor,
    list_monitors,
    run_now,
)
from signoff.core.contract import MONITOR_WORKFLOW, operations_chain, operations_event_id
from signoff.core.errors import MonitorConflict
from signoff.core.models import AutonomyLevel, RiskTier
from signoff.core.models.drift_monitor import MonitorRun, MonitorRunInput, MonitorSettings
from signoff.core.models.routing import RoutingOrigin
from tests.conftest import Harness, make_request
from tests.helpers.decisions import asked
from tests.helpers.seeded_facts import seed
from tests.helpers.waiting import eventually

REFERENCE = 400


@pytest.fixture
async def schedules(live: Harness) -> AsyncIterator[list[str]]:
    """Use cases whose monitor a spec enabled; their schedules are deleted afterwards."""
    enabled: list[str] = []
    yield enabled
    for use_case in enabled:
        await disable_monitor(live.signoff, use_case)


def settings_for(use_case: str, **overrides: object) -> MonitorSettings:
    return MonitorSettings(use_case=use_case, requester="rita", **overrides)  # type: ignore[arg-type]


async def monitored_run(live: Harness, use_case: str) -> MonitorRun:
    """A run of the schedule now. Temporal keeps a run's time to the second, and a run
    counts the decisions decided before its time (later ones, in the next run): a
    second's wait puts every decision made so far into this run."""
    await asyncio.sleep(1.0)
    handle = await run_now(live.signoff, use_case)
    return await handle.result()


async def test_a_stable_population_raises_no_alarm(
    live: Harness, store: Store, schedules: list[str]
) -> None:
    use_case = f"stable-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(7)
    await seed(store, use_case, "drift-overrides", rng.beta(8, 2, REFERENCE), days=(2, 29))
    await seed(store, use_case, "drift-overrides", rng.beta(8, 2, 150), days=(0.01, 0.9))
    before = await store.routing_history("drift-overrides")
    assert await enable_monitor(live.signoff, settings_for(use_case), every=timedelta(hours=1))
    schedules.append(use_case)

    run = await monitored_run(live, use_case)

    assert (run.reference_n, run.current_n) == (REFERENCE, 150)
    tests = {r.test for r in run.readings}
    assert {"psi", "kolmogorov_smirnov", "wasserstein", "outcome_mix"} <= tests
    assert run.alarms == [] and run.targets == []
    assert await store.monitor_runs(use_case, alarms_only=True) == []
    assert [r.as_of for r in await store.monitor_runs(use_case)] == [run.as_of]
    assert await store.routing_history("drift-overrides") == before


async def test_a_confidence_shift_alarms_on_psi_and_ks_and_trips_the_breaker(
    live: Harness, store: Store, schedules: list[str]
) -> None:
    use_case = f"shift-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(11)
    await seed(store, use_case, "drift-shift", rng.beta(8, 2, REFERENCE), days=(2, 29))
    # The model's confidence falls from a mean of 0.8 to 0.5 (Wasserstein about 0.3).
    shifted = rng.beta(4, 4, 60)
    await asyncio.gather(
        *(
            live.signoff.submit(
                make_request(
                    "drift-shift", use_case=use_case, confidence=float(c), risk_tier=RiskTier.LOW
                )
            )
            for c in shifted
        )
    )
    await enable_monitor(live.signoff, settings_for(use_case), every=timedelta(hours=1))
    schedules.append(use_case)

    run = await monitored_run(live, use_case)

    alarmed = {r.test: r for r in run.alarms}
    assert {"psi", "kolmogorov_smirnov"} <= set(alarmed)
    assert alarmed["psi"].value > 0.25
    wasserstein = next(r for r in run.readings if r.test == "wasserstein")
    assert wasserstein.value == pytest.approx(0.3, abs=0.08)
    assert [(t.policy, t.autonomy) for t in run.targets] == [
        ("drift-shift", AutonomyLevel.AUTO_LOW_RISK)
    ]

    demoted = await eventually(lambda: store.routing("drift-shift"))
    assert demoted.change.autonomy is AutonomyLevel.SUGGEST
    assert (demoted.origin, demoted.decided_by) == (RoutingOrigin.CIRCUIT_BREAKER, run.alarm_id)
    confident = make_request(
        "drift-shift", use_case=use_case, confidence=0.97, risk_tier=RiskTier.LOW
    )
    assert (await live.signoff.submit(confident)).status is Status.PENDING, "people decide"
    restore = f"policy-change-drift-shift-restore-{run.alarm_id}"
    assert await eventually(lambda: asked(live, restore)) == ["dave"]

    chain = operations_chain(run.as_of)
    event = await eventually(
        lambda: store.event(operations_event_id(chain, "drift_alarm", run.alarm_id))
    )
    assert event.kind == "drift_alarm" and event.actor == "signoff:monitor"
    assert event.data["use_case"] == use_case and event.data["policies"] == ["drift-shift"]
    assert [r.alarm_id for r in await store.monitor_runs(use_case, alarms_only=True)] == [
        run.alarm_id
    ]


async def test_an_override_rate_rise_is_caught_by_the_cusum_soon_after_its_onset_and_not_before(
    live: Harness, store: Store, schedules: list[str]
) -> None:
    """Reference: 10% of decisions departed from. Then real decisions, in batches of
    ten between runs: three batches at 10%, then batches at 50%. With the rate doubled
    as the rise to detect and a limit of 5, a batch at 10% lifts the sum by at most
    ln 2 and each batch at 50% by 2.9 net: the alarm must come in the second batch
    after the onset at the latest (within 20 decisions), and never before it."""
    use_case = f"cusum-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(3)
    departed = [i % 10 == 0 for i in range(200)]
    await seed(
        store, use_case, "drift-overrides", rng.beta(8, 2, 200), days=(2, 29), departed=departed
    )
    # Only the CUSUM: the windows' own tests need 200 decisions on each side.
    settings = settings_for(use_case, minimum=200)
    await enable_monitor(live.signoff, settings, every=timedelta(hours=1))
    schedules.append(use_case)

    async def batch(rejected: int) -> None:
        requests = [
            make_request("drift-overrides", use_case=use_case, confidence=0.85) for _ in range(10)
        ]
        await asyncio.gather(*(live.signoff.submit(r) for r in requests))
        for i, request in enumerate(requests):
            if i < rejected:
                await live.signoff.perform(
                    request.id, "reject", "alice", seen_stage=0, reason="Not this one."
                )
            else:
                await live.signoff.perform(request.id, "approve", "alice", seen_stage=0)

    for _ in range(3):
        await batch(rejected=1)
        run = await monitored_run(live, use_case)
        assert run.alarms == [], f"no alarm before the onset: {run.readings}"
        assert run.cusum.total < 5
    caught_after = None
    for n in range(1, 5):
        await batch(rejected=5)
        run = await monitored_run(live, use_case)
        if run.alarms:
            caught_after = n * 10
            break
    assert caught_after is not None and caught_after <= 20, caught_after
    assert [r.test for r in run.alarms] == ["override_cusum"]
    assert run.targets[0].autonomy is AutonomyLevel.SUGGEST, "nothing to demote"
    # Already at suggest: the owners are told by a decision they acknowledge.
    acknowledge = f"drift-alarm-{run.alarm_id}-drift-overrides"
    assert await eventually(lambda: asked(live, acknowledge)) == ["dave"]
    assert (await store.routing("drift-overrides")) is None, "no routing version written"


async def test_twenty_attempts_of_one_run_record_one_alarm_and_trip_once(
    live: Harness, store: Store
) -> None:
    """What a retried run does: the same use case and time, run again (twenty at once)."""
    use_case = f"retry-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(5)
    await seed(store, use_case, "drift-race", rng.beta(8, 2, REFERENCE), days=(2, 29))
    await seed(store, use_case, "drift-race", rng.beta(3, 5, 100), days=(0.01, 0.9))
    run_input = MonitorRunInput(settings=settings_for(use_case), as_of=datetime.now(UTC))

    runs = await asyncio.gather(
        *(
            live.client.execute_workflow(
                MONITOR_WORKFLOW,
                run_input,
                id=f"attempt-{use_case}-{i}",
                task_queue=live.task_queue,
                result_type=MonitorRun,
            )
            for i in range(20)
        )
    )

    assert len({r.model_dump_json() for r in runs}) == 1, "every attempt acts on one run"
    run = runs[0]
    assert run.alarms
    history = await eventually(lambda: store.routing_history("drift-race"))
    assert [(v.version, v.decided_by) for v in history] == [(1, run.alarm_id)]
    assert len(await store.monitor_runs(use_case)) == 1
    chain = operations_chain(run.as_of)
    events = [e for e in await store.events(chain) if e.data.get("alarm") == run.alarm_id]
    assert len(events) == 1
    breakers = [
        w
        async for w in live.client.list_workflows(
            f"WorkflowId STARTS_WITH 'signoff/ladder-breaker/drift-race/{run.alarm_id}'"
        )
    ]
    assert len(breakers) == 1


async def test_a_use_case_has_one_schedule(live: Harness, schedules: list[str]) -> None:
    use_case = f"once-{uuid.uuid4().hex[:8]}"
    settings = settings_for(use_case)
    hourly = timedelta(hours=1)

    assert await enable_monitor(live.signoff, settings, every=hourly)
    schedules.append(use_case)
    again = await asyncio.gather(
        *(enable_monitor(live.signoff, settings, every=hourly) for _ in range(20))
    )
    assert again == [False] * 20, "the same settings again change nothing"
    with pytest.raises(MonitorConflict, match="disable"):
        await enable_monitor(live.signoff, settings_for(use_case, window="2d"), every=hourly)
    with pytest.raises(MonitorConflict):
        await enable_monitor(live.signoff, settings, every=timedelta(minutes=5))

    mine = [m for m in await list_monitors(live.signoff) if m.settings.use_case == use_case]
    assert [(m.settings, m.every) for m in mine] == [(settings, hourly)]
