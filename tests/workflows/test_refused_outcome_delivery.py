"""A receiver that refuses an outcome for good (a 4xx other than 408 and 429) must not
keep the decision from closing: the delivery fails once, visibly in the audit trail, and
the decision ends with its outcome (patch ``outcome-refusal-recorded``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from signoff import Status
from signoff.adapters.store import Store
from signoff.core.contract import workflow_id_for
from signoff.core.models import AuditKind, Outcome, ReviewPolicy, Stage
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.standard_webhooks import SECRET

BRIEF_FEEDBACK = ReviewPolicy(
    name="leads-brief-feedback",
    stages=[Stage(name="leads", approvers=["group:leads"])],
    feedback_window=timedelta(seconds=1),
)


@pytest.fixture
async def refusing(
    dev_env: WorkflowEnvironment, settings: Settings, server: HttpRecorder
) -> AsyncIterator[Harness]:
    server.fail_next(1000, 410)
    update = {"outcome_webhook_url": server.url, "webhook_secret": SECRET}
    harness = Harness(dev_env.client, settings.model_copy(update=update))
    async with harness.worker():
        yield harness


async def test_a_refused_outcome_webhook_does_not_keep_the_decision_open_and_is_audited(
    refusing: Harness, server: HttpRecorder, store: Store
) -> None:
    request = make_request(BRIEF_FEEDBACK, requester="rita")
    await refusing.signoff.submit(request)
    await refusing.signoff.perform(request.id, "approve", "alice")
    handle = refusing.client.get_workflow_handle(workflow_id_for(request.id), result_type=Outcome)

    for _ in range(100):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            break
        await asyncio.sleep(0.1)

    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert (await handle.result()).status is Status.APPROVED
    assert len(server.requests) == 1
    events = await store.events(request.id)
    (refused,) = [e for e in events if e.kind is AuditKind.OUTCOME_REFUSED]
    assert refused.data["status"] == 410 and refused.data["sequence"] == 0
    assert refused.data["host"] == "127.0.0.1"
    assert not [e for e in events if e.kind is AuditKind.OUTCOME_DELIVERED]
