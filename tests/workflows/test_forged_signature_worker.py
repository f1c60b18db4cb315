"""A forged signature is refused, not fatal: a fresh worker process (nothing verified in
it yet) that meets one first keeps running and decides on.

Found by an adversarial run: cryptography's Rust core aborted the whole process when the
workflow sandbox imported its exception module afresh for the first failed check, and
every restarted worker replayed the same Update and aborted again. The plugin now passes
``cryptography`` through the sandbox (``signoff.app.plugin.with_crypto_passed_through``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from signoff import Status
from signoff.adapters.notary import load_voucher
from signoff.core.contract import workflow_id_for
from signoff.core.models import Action
from signoff.core.settings import Settings
from tests.app.cli.conftest import env_for, own_store
from tests.conftest import TEST_SURFACE, Harness, make_request

ROOT = Path(__file__).parents[2]


async def test_a_fresh_worker_that_meets_a_forged_signature_first_refuses_it_and_lives(
    dev_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    harness = Harness(dev_env.client, own_store(settings, tmp_path))  # no worker in here
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.worker_process"],
        cwd=ROOT,
        env=os.environ | env_for(dev_env, harness) | {"PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        request = make_request("first-lead")
        await asyncio.wait_for(harness.signoff.submit(request), 60)
        voucher = load_voucher(harness.settings.keys_path, TEST_SURFACE)
        assert voucher is not None
        signed = voucher.vouch(
            request.id, Action(kind="reject", action_id="r-1", actor="alice", reason="Too much")
        )
        handle = harness.client.get_workflow_handle(workflow_id_for(request.id))

        with pytest.raises(WorkflowUpdateFailedError):
            await asyncio.wait_for(
                handle.execute_update("reject", signed.model_copy(update={"reason": "Fine"})), 60
            )
        approved = await asyncio.wait_for(
            harness.signoff.perform(request.id, "approve", "alice"), 60
        )

        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
        assert approved.status == Status.APPROVED.value
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
