"""A reported outcome is durable once Temporal has it: a worker killed after the report
started but before its audit write leaves it to the next worker, which writes it once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from signoff import SignoffClient
from signoff.adapters.notary import load_voucher
from signoff.adapters.store import Store
from signoff.core.contract import OUTCOME_REPORT_WORKFLOW, outcome_prefix
from signoff.core.models import AuditKind
from signoff.core.settings import Settings
from tests.conftest import TEST_SURFACE, make_request
from tests.helpers.waiting import eventually
from tests.workflows.test_worker_crash import _start_worker

HAPPENED = datetime.now(UTC) - timedelta(days=1)


async def test_a_worker_killed_before_the_outcomes_audit_write_loses_nothing(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    own = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'own.db'}"})
    queue = f"signoff-late-{uuid.uuid4().hex[:8]}"
    client = SignoffClient(
        dev_env.client, task_queue=queue, voucher=load_voucher(settings.keys_path, TEST_SURFACE)
    )
    request = make_request("first-lead")
    first = _start_worker(dev_env, own, queue)
    try:
        await asyncio.wait_for(client.submit(request), timeout=60)
        await client.perform(request.id, "approve", "alice")
        # Hold the store's write lock: the worker can start the report but not write it.
        lock = sqlite3.connect(tmp_path / "own.db", isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        reporting = asyncio.ensure_future(
            client.record_outcome(request.id, "chargeback", "chargeback-feed", HAPPENED)
        )

        async def started() -> bool:
            query = (
                f"WorkflowType = '{OUTCOME_REPORT_WORKFLOW}'"
                f" AND WorkflowId STARTS_WITH '{outcome_prefix(request.id)}'"
            )
            async for found in dev_env.client.list_workflows(query):
                return found.status == WorkflowExecutionStatus.RUNNING
            return False

        await eventually(started, timeout=20)
        await asyncio.sleep(1.0)  # the worker took the task up and waits on the lock
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    reporting.cancel()  # the reporting program gave up too
    with contextlib.suppress(asyncio.CancelledError):
        await reporting
    lock.execute("ROLLBACK")
    lock.close()

    retried_at = datetime.now(UTC)
    second = _start_worker(dev_env, own, queue)
    try:
        again = await asyncio.wait_for(
            client.record_outcome(request.id, "chargeback", "chargeback-feed", HAPPENED),
            timeout=90,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    async with await Store.open(own.store_url) as store:
        events = await store.events(request.id)
        outcomes = [e for e in events if e.kind is AuditKind.OUTCOME_REPORTED]
        assert [e.event_id for e in outcomes] == [again.event_id]
        assert (await store.verify(request.id)).ok
    # The retry joined the first report's run, which the next worker finished: the event
    # is the first report's, recorded before the retry was sent.
    assert again.duplicate and again.recorded_at < retried_at
