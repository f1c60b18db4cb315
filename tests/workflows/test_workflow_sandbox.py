"""Decisions run outside Temporal's workflow sandbox, which re-imports the decision's
module for every decision and costs about a third of a worker's CPU; an operator who
wants the sandbox's checks turns it on (``SIGNOFF_WORKFLOW_SANDBOX``), and recorded
histories replay inside it (tests/replay)."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, WorkerConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from signoff import SignoffPlugin, Status
from signoff.adapters.notary import load_voucher
from signoff.core.contract import workflow_id_for
from signoff.core.models import Action
from signoff.core.settings import Settings
from signoff.workflows import DecisionWorkflow
from tests.conftest import TEST_SURFACE, Harness, make_request


def _runner_for_decisions(settings: Settings) -> object:
    plugin = SignoffPlugin(settings=settings)
    config = plugin.configure_worker(
        WorkerConfig(task_queue="q", unsandboxed_workflow_runner=UnsandboxedWorkflowRunner())
    )
    return config.get("unsandboxed_workflow_runner")


def test_a_worker_runs_decisions_outside_the_sandbox_unless_the_operator_asks(
    settings: Settings,
) -> None:
    off = _runner_for_decisions(settings.model_copy(update={"workflow_sandbox": False}))
    on = _runner_for_decisions(settings.model_copy(update={"workflow_sandbox": True}))

    assert DecisionWorkflow.__temporal_workflow_definition.sandboxed is False  # type: ignore[attr-defined]
    assert isinstance(off, UnsandboxedWorkflowRunner)
    assert isinstance(on, SandboxedWorkflowRunner)
    assert "cryptography" in on.restrictions.passthrough_modules


async def test_with_the_sandbox_on_a_decision_refuses_a_forged_signature_and_is_approved(
    dev_env: WorkflowEnvironment, settings: Settings
) -> None:
    harness = Harness(dev_env.client, settings.model_copy(update={"workflow_sandbox": True}))
    async with harness.worker():
        request = make_request("first-lead")
        await asyncio.wait_for(harness.signoff.submit(request), 60)
        voucher = load_voucher(harness.settings.keys_path, TEST_SURFACE)
        assert voucher is not None
        signed = voucher.vouch(
            request.id, Action(kind="reject", action_id="r-1", actor="alice", reason="No")
        )
        handle = harness.client.get_workflow_handle(workflow_id_for(request.id))

        with pytest.raises(WorkflowUpdateFailedError):  # the reason was changed after signing
            await asyncio.wait_for(
                handle.execute_update("reject", signed.model_copy(update={"reason": "Yes"})), 60
            )
        approved = await asyncio.wait_for(
            harness.signoff.perform(request.id, "approve", "alice"), 60
        )

    assert approved.status == Status.APPROVED.value
