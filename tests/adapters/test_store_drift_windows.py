"""What the drift monitors read and keep, on SQLite and PostgreSQL: a window's columns
and counts, the CUSUM's verdicts in decided order, and the first run kept per time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np

from signoff.adapters.store import Store
from signoff.core.models.drift_monitor import CusumState, MonitorRun, Shift
from tests.helpers.seeded_facts import seed


async def test_a_window_holds_its_decisions_confidences_and_counts(store: Store) -> None:
    use_case = f"window-{uuid.uuid4().hex[:8]}"
    departed = [i % 4 == 0 for i in range(40)]
    confidences = np.linspace(0.1, 0.9, 40)
    await seed(store, use_case, "p", confidences, days=(2, 10), departed=departed)
    await seed(store, use_case, "q", np.full(7, 0.5), days=(0.1, 0.5))
    now = datetime.now(UTC)

    old = await store.drift_window(
        use_case, since=now - timedelta(days=30), until=now - timedelta(days=1)
    )
    new = await store.drift_window(use_case, since=now - timedelta(days=1), until=now)

    assert sorted(old.confidences) == sorted(confidences.tolist())
    assert (old.verdicts, old.departed) == (40, 10)
    assert old.outcomes == {"approved": 30, "rejected": 10}
    assert (new.n, new.verdicts, dict(new.policies)) == (7, 0, {"q": 7})
    assert new.outcomes == {"auto_approved": 7}


async def test_the_cusum_reads_verdicts_in_decided_order_after_its_last_run(store: Store) -> None:
    use_case = f"verdicts-{uuid.uuid4().hex[:8]}"
    departed = [i % 3 == 0 for i in range(30)]
    await seed(store, use_case, "p", np.full(30, 0.8), days=(1, 4), departed=departed)
    now = datetime.now(UTC)

    pages = [p async for p in store.stream_verdicts(use_case, after=None, until=now)]
    events = [e for _, page in pages for e in page]
    # Seeded oldest last: decided order is the reverse of the list.
    assert events == departed[::-1]
    later = now - timedelta(days=2)
    tail = [e async for _, p in store.stream_verdicts(use_case, after=later, until=now) for e in p]
    assert 0 < len(tail) < 30 and tail == events[-len(tail) :]


async def test_the_first_run_of_a_time_is_kept_and_the_latest_before_carries_on(
    store: Store,
) -> None:
    use_case = f"runs-{uuid.uuid4().hex[:8]}"
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)

    def run(at: datetime, value: float) -> MonitorRun:
        alarm = Shift(test="psi", value=value, alarm=value > 0.25)
        return MonitorRun(
            use_case=use_case,
            as_of=at,
            reference_n=1,
            current_n=1,
            readings=[alarm],
            cusum=CusumState(total=value, through=at),
        )

    kept = await asyncio.gather(*(store.add_monitor_run(run(at, 0.3 + i)) for i in range(20)))
    assert len({k.model_dump_json() for k in kept}) == 1, "twenty writers agree on one run"
    await store.add_monitor_run(run(at + timedelta(hours=1), 0.1))

    assert (
        await store.monitor_run_before(use_case, at + timedelta(hours=2))
    ).as_of == at + timedelta(hours=1)  # type: ignore[union-attr]
    assert (await store.monitor_run_before(use_case, at + timedelta(hours=1))) == kept[0]
    assert await store.monitor_run_before(use_case, at) is None
    assert [r.as_of for r in await store.monitor_runs(use_case, alarms_only=True)] == [at]
    assert len(await store.monitor_runs(use_case)) == 2
