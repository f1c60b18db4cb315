"""A worker killed in the middle of a review loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from signoff import SignoffClient, Status
from signoff.adapters.notary import load_voucher
from signoff.adapters.store import Store
from signoff.core.settings import Settings
from tests.conftest import TEST_SURFACE, make_request

ROOT = Path(__file__).parents[2]


def _start_worker(env: WorkflowEnvironment, settings: Settings, queue: str) -> subprocess.Popen:
    environment = os.environ | {
        "SIGNOFF_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "SIGNOFF_TASK_QUEUE": queue,
        "SIGNOFF_DATABASE_URL": settings.store_url,
        "SIGNOFF_POLICIES_FILE": str(settings.policies_file),
        "SIGNOFF_DIRECTORY_FILE": str(settings.directory_file),
        "SIGNOFF_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.worker_process"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_a_worker_killed_mid_review_loses_nothing_and_duplicates_no_audit_event(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> None:
    queue = f"signoff-crash-{uuid.uuid4().hex[:8]}"
    client = SignoffClient(
        dev_env.client, task_queue=queue, voucher=load_voucher(settings.keys_path, TEST_SURFACE)
    )
    request = make_request("analysts-2-of-3")
    first = _start_worker(dev_env, settings, queue)
    try:
        await asyncio.wait_for(client.submit(request), timeout=60)
        await client.perform(request.id, "approve", "alice", action_id="vote-alice")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    second = _start_worker(dev_env, settings, queue)
    try:
        again = await asyncio.wait_for(
            client.perform(request.id, "approve", "alice", action_id="vote-alice"), timeout=60
        )
        final = await client.perform(request.id, "approve", "bob", action_id="vote-bob")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    # The repeated vote is answered with its first result, not counted again.
    assert again.action_id == "vote-alice" and again.status == "pending"
    assert final.status == Status.APPROVED.value
    events = await store.events(request.id)
    counts = Counter(e.kind.value for e in events)
    assert counts["submitted"] == counts["routed"] == counts["finalized"] == 1
    assert counts["voted"] == 2
    assert (await store.verify(request.id)).ok
