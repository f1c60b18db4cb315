"""A caller hammering what they may not do costs the operations trail a bounded number
of workflows a minute, and every refusal is still counted in it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from signoff.adapters.store import Store
from signoff.core.contract import operations_chain
from signoff.core.models import ChainedEvent
from signoff.server.operations_audit import RATE_BOUND, WINDOW_S, OperationsAudit
from tests.conftest import Harness
from tests.helpers.waiting import eventually


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def by(store: Store, actor: str, since: datetime, count: int) -> list[ChainedEvent]:
    async def found() -> list[ChainedEvent] | None:
        events = await store.query_events(actor=actor, since=since, limit=None)
        return events if len(events) >= count else None

    return await eventually(found)


async def test_past_the_bound_a_callers_refusals_are_counted_in_one_summary_event(
    live: Harness, store: Store
) -> None:
    since = datetime.now(UTC)
    clock = Clock()
    audit = OperationsAudit(live.signoff, per_minute=5, clock=clock)

    await asyncio.gather(
        *(
            audit.denial(
                "p07", attempted="GET /api/v1/audit/export", code=code, message="No.", via="web"
            )
            for code in ["not_auditor"] * 9 + ["not_admin"] * 3
        )
    )
    one_by_one = await by(store, "p07", since, 5)
    clock.now += WINDOW_S
    await audit.flush()
    await audit.flush()  # a second flush writes nothing more

    events = await by(store, "p07", since, 6)
    await asyncio.sleep(0.5)  # anything more would have been written by now
    events = await store.query_events(actor="p07", since=since, limit=None)
    assert len(events) == 6 and events[:5] == one_by_one[:5]
    summary = events[-1]
    assert summary.data["code"] == RATE_BOUND
    codes = [e.data["code"] for e in events[:5]]
    assert summary.data["counted"] == {
        "not_auditor": 9 - codes.count("not_auditor"),
        "not_admin": 3 - codes.count("not_admin"),
    }
    chains = {e.decision_id for e in events}
    assert chains <= {operations_chain(since), operations_chain(datetime.now(UTC))}
    assert (await store.verify(decision_ids=chains)).breaks == []


async def test_a_caller_under_the_bound_in_a_new_minute_is_recorded_one_by_one_again(
    live: Harness, store: Store
) -> None:
    since = datetime.now(UTC)
    clock = Clock()
    audit = OperationsAudit(live.signoff, per_minute=2, clock=clock)
    for _ in range(3):
        await audit.denial("p08", attempted="GET /x", code="scope", message="No.", via="web")
    clock.now += WINDOW_S
    # The next minute's first refusal writes the last minute's summary before itself.
    await audit.denial("p08", attempted="GET /x", code="scope", message="No.", via="web")

    events = await by(store, "p08", since, 4)
    assert [e.data["code"] for e in events].count(RATE_BOUND) == 1
    assert sum(1 for e in events if e.data["code"] == "scope") == 3
