"""The application hears the outcome — and every later override — by signed webhook and,
from inside its own workflow, through ``request_signoff``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff import DecisionNotFound, Outcome, Status
from signoff.adapters.store import Store
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.parent_workflow import RefundFlow
from tests.helpers.standard_webhooks import SECRET, received


@pytest.fixture
async def hooked(
    dev_env: WorkflowEnvironment, settings: Settings, server: HttpRecorder
) -> AsyncIterator[Harness]:
    harness = Harness(
        dev_env.client,
        settings.model_copy(update={"outcome_webhook_url": server.url, "webhook_secret": SECRET}),
    )
    async with harness.worker(workflows=[RefundFlow]):
        yield harness


async def test_an_override_after_the_outcome_reaches_the_application_by_signed_webhook(
    hooked: Harness, server: HttpRecorder, store: Store
) -> None:
    request = make_request("first-lead")
    await hooked.signoff.submit(request)
    await hooked.signoff.perform(request.id, "approve", "alice")
    await hooked.signoff.perform(
        request.id, "override", "erin", verdict="reject", reason="Fraud ring detected"
    )

    deliveries = await server.wait_for(2, timeout=15)

    outcomes = [Outcome.model_validate(r.json()) for r in deliveries]
    assert [o.status for o in outcomes] == [Status.APPROVED, Status.OVERRIDDEN]
    assert outcomes[1].approved is False and outcomes[1].reason == "Fraud ring detected"
    assert [received(d)["status"] for d in deliveries] == ["approved", "overridden"]
    keys = {d.headers["webhook-id"] for d in deliveries}
    assert len(keys) == 2


async def test_request_signoff_inside_a_workflow_returns_the_outcome_and_later_overrides(
    hooked: Harness,
) -> None:
    request = make_request("first-lead")
    handle = await hooked.client.start_workflow(
        RefundFlow.run, request, id=f"refund-flow-{request.id}", task_queue=hooked.task_queue
    )
    await _started(hooked, request.id)
    await hooked.signoff.perform(request.id, "approve", "bob")
    await hooked.signoff.perform(
        request.id, "override", "dave", verdict="reject", reason="Chargeback filed"
    )

    first, later = await handle.result()

    assert first.status is Status.APPROVED and first.decided_by == ["bob"]
    assert later.status is Status.OVERRIDDEN and not later.approved


async def _started(harness: Harness, decision_id: str) -> None:
    """The parent starts the decision; wait until it exists and is routed."""
    for _ in range(100):
        try:
            await harness.signoff.state(decision_id)
            return
        except DecisionNotFound:
            await asyncio.sleep(0.05)
    raise AssertionError(f"decision {decision_id} never started")
