"""The record never says what the workflow did not: under twenty simultaneous clicks, and
when a workflow task fails after a side effect, the audit store, its indexed decision and
every card agree with the workflow's own history, for every decision, and every refusal
is recorded exactly once.

Before the audit was written from history (patch ``audit-from-history``), twenty clicks
left the store naming a different approver than the workflow in ten decisions out of ten.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff import ActionRefused, ActionResult
from signoff.adapters.store import Store
from signoff.core.models import AuditKind, ChainedEvent
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.failing_tasks import FailOnce
from tests.helpers.waiting import eventually

CROWD = [f"p{i:02d}" for i in range(1, 21)]


async def race(harness: Harness, decision_id: str) -> dict[str, ActionResult | BaseException]:
    """Everyone in the crowd approves at once; each click's answer by person."""
    answers = await asyncio.gather(
        *(
            harness.signoff.perform(decision_id, "approve", who, action_id=f"{who}-{decision_id}")
            for who in CROWD
        ),
        return_exceptions=True,
    )
    return dict(zip(CROWD, answers, strict=True))


def refusals_of(events: list[ChainedEvent], person: str) -> list[ChainedEvent]:
    return [e for e in events if e.kind is AuditKind.REFUSED and e.actor == person]


async def refusals_recorded(store: Store, decision_id: str, people: set[str]) -> list[ChainedEvent]:
    """The decision's events once each of ``people`` has a refusal among them, or after
    10 s: the client audits a refusal from a workflow of its own, after it has answered."""

    async def all_in() -> list[ChainedEvent] | None:
        events = await store.events(decision_id)
        return events if all(refusals_of(events, who) for who in people) else None

    try:
        return await eventually(all_in)
    except AssertionError:  # the counts per person say who is missing
        return await store.events(decision_id)


async def settled(harness: Harness, store: Store, decision_id: str) -> list[str]:
    """What disagrees once the decision's cards have caught up with its outcome."""
    state = await harness.signoff.state(decision_id)

    async def card_caught_up() -> bool:
        return harness.channel.last_drawn_status(decision_id) == state.status.value

    await eventually(card_caught_up, timeout=20)
    return await disagreements(harness.signoff, store, decision_id, cards=harness.channel)


@pytest.fixture
async def live_on_each_store(
    dev_env: WorkflowEnvironment, each_store: tuple[Settings, Store]
) -> AsyncIterator[tuple[Harness, Store]]:
    """A worker writing to the SQLite store, then to the PostgreSQL one; and that store."""
    settings, store = each_store
    harness = Harness(dev_env.client, settings)
    async with harness.worker():
        yield harness, store


async def test_twenty_clicks_at_once_on_twenty_decisions_leave_store_cards_and_workflow_agreeing(
    live_on_each_store: tuple[Harness, Store],
) -> None:
    live, store = live_on_each_store
    problems: dict[str, list[str]] = {}
    for _ in range(20):
        request = make_request("crowd-first")
        await live.signoff.submit(request)

        answers = await race(live, request.id)

        found = await settled(live, store, request.id)
        winners = [who for who, a in answers.items() if isinstance(a, ActionResult)]
        refused = [who for who, a in answers.items() if isinstance(a, ActionRefused)]
        outcome = (await live.signoff.state(request.id)).outcome
        if len(winners) != 1 or len(refused) != 19 or outcome is None:
            found.append(f"{len(winners)} applied, {len(refused)} refused, outcome {outcome}")
        elif outcome.decided_by != winners:
            found.append(f"{winners} were told they decided; the workflow says {outcome}")
        events = await refusals_recorded(store, request.id, set(CROWD) - set(winners))
        for who in CROWD:
            expected = 0 if who in winners else 1
            if len(refusals_of(events, who)) != expected:
                found.append(f"{who}: {len(refusals_of(events, who))} refusals recorded")
        if found:
            problems[request.id] = found

    assert not problems, problems


@pytest.fixture
async def failing(
    dev_env: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[tuple[Harness, FailOnce]]:
    plan = FailOnce()
    harness = Harness(dev_env.client, settings)
    async with harness.worker(interceptors=[plan]):
        yield harness, plan


async def test_a_task_that_fails_after_asking_for_the_audit_write_writes_nothing_twice(
    failing: tuple[Harness, FailOnce], store: Store
) -> None:
    harness, plan = failing
    plan.after_audit_scheduled = True
    request = make_request("crowd-first")
    await harness.signoff.submit(request)

    answers = await race(harness, request.id)

    assert sum(isinstance(a, ActionResult) for a in answers.values()) == 1
    assert any(point == "audit-scheduled" for point, _ in plan.failed)
    assert await settled(harness, store, request.id) == []


async def test_a_task_that_fails_after_the_audit_was_written_keeps_one_record_of_each_event(
    failing: tuple[Harness, FailOnce], store: Store
) -> None:
    harness, plan = failing
    plan.after_update_handled = True
    request = make_request("first-lead")
    await harness.signoff.submit(request)

    result = await harness.signoff.perform(request.id, "approve", "alice")

    assert result.status == "approved"
    assert await settled(harness, store, request.id) == []
    kinds = [e.kind for e in await store.events(request.id)]
    assert kinds.count(AuditKind.VOTED) == 1 and kinds.count(AuditKind.FINALIZED) == 1


async def test_a_refusal_whose_audit_task_fails_after_writing_is_recorded_once(
    failing: tuple[Harness, FailOnce], store: Store
) -> None:
    harness, plan = failing
    plan.after_workflow_ran = True
    request = make_request("first-lead")
    await harness.signoff.submit(request)
    click = f"mallory-{uuid.uuid4().hex[:6]}"

    with pytest.raises(ActionRefused):
        await harness.signoff.perform(request.id, "approve", "rita", action_id=click)

    async def recorded() -> list[ChainedEvent]:
        return refusals_of(await store.events(request.id), "rita")

    await eventually(recorded)
    await asyncio.sleep(1.0)  # the failed task's retry has had its chance to write again
    assert len(await recorded()) == 1
    assert any(point == "workflow-ran" for point, _ in plan.failed)


async def test_an_action_whose_caller_gives_up_stops_instead_of_retrying(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    """A caller's cancellation (a bot shutting down, a request dropped) must end the call,
    not look like a slow server to be retried."""
    harness = Harness(dev_env.client, settings)
    async with harness.worker():
        request = make_request("first-lead")
        await harness.signoff.submit(request)
    # No worker now: the update waits, and the caller gives up.
    acting = asyncio.ensure_future(harness.signoff.perform(request.id, "approve", "alice"))
    await asyncio.sleep(0.5)
    acting.cancel()

    done, _ = await asyncio.wait({acting}, timeout=5)

    assert done and acting.cancelled()
