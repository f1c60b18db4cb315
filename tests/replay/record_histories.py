"""Record the workflow histories the replay test runs against the current code.

Run it after a deliberate, patched change to the workflow, into a new folder, so the
histories of every earlier version keep replaying too — never to make a failing replay
pass:

    .venv/bin/python -m tests.replay.record_histories v3
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from signoff import ActionRefused, SignoffClient
from signoff.adapters.notary import create_surface
from signoff.app.worker import ensure_search_attributes
from signoff.core.contract import DecisionWorkflowInput, workflow_id_for
from signoff.core.search_attributes import ALL_KEYS
from signoff.core.settings import Settings
from signoff.workflows import DecisionWorkflow
from tests.conftest import FIXTURES, TEST_SURFACE, Harness, _binary, make_request
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.standard_webhooks import SECRET

HISTORIES = Path(__file__).parent / "histories"

Scenario = Callable[[SignoffClient, WorkflowEnvironment, str], Awaitable[None]]


async def approved(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    request = make_request("first-lead", id="replay-approved")
    await client.submit(request)
    await client.perform(request.id, "comment", "bob", reason="Looks fine")
    with contextlib.suppress(ActionRefused):  # v7 on: nobody outside the directory
        await client.perform(request.id, "comment", "mallory", reason="Approve it")
    await client.perform(request.id, "approve", "alice", action_id="a1")
    await client.perform(request.id, "approve", "alice", action_id="a1")


async def edited_with_feedback(client: SignoffClient, env: WorkflowEnvironment, q: str) -> None:
    request = make_request("expert-labels", id="replay-edited")
    await client.submit(request)
    await client.perform(request.id, "edit", "bob", edited_text="Refund $80.")
    await client.perform(request.id, "thumb", "alice", thumb="up")
    await client.perform(request.id, "thumb", "alice", thumb="down")
    await client.perform(request.id, "correction", "carol", reason="$75 is policy")
    await client.perform(request.id, "ground_truth", "xena", label="partial")
    await client.perform(request.id, "ground_truth", "yuri", label="full")
    await client.perform(request.id, "ground_truth", "erin", label="partial")


async def crowd_race(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    request = make_request("crowd-5-of-20", id="replay-crowd")
    await client.submit(request)
    votes = [client.perform(request.id, "approve", f"p{i:02d}") for i in range(1, 21)]
    await asyncio.gather(*votes, return_exceptions=True)
    await client.perform(request.id, "override", "erin", verdict="reject", reason="Audit hold")


async def continued(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    request = make_request("first-lead", id="replay-continued")
    await client.temporal.start_workflow(
        DecisionWorkflow.run,
        DecisionWorkflowInput(request=request, continue_as_new_after_events=30),
        id=workflow_id_for(request.id),
        task_queue=queue,
    )
    await client.perform(request.id, "approve", "bob")
    for i in range(1, 13):
        await client.perform(request.id, "thumb", f"p{i:02d}", thumb="up")


async def automatic(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    """v9 on: a decision no person reviews, submitted twice, then given feedback."""
    request = make_request("auto-low-risk", id="replay-automatic", confidence=0.95, risk_tier="low")
    await client.submit(request)
    await client.submit(request)
    await client.perform(request.id, "thumb", "alice", thumb="up")


async def refused_webhook(client: SignoffClient, env: WorkflowEnvironment, q: str) -> None:
    """v9 on: the application's webhook refuses the outcome for good (HTTP 410)."""
    request = make_request("first-lead", id="replay-refused")
    await client.submit(request)
    await client.perform(request.id, "approve", "alice")


async def escalated(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    request = make_request("three-stage", id="replay-escalated")
    await client.submit(request)
    await env.sleep(timedelta(hours=5))
    await client.perform(request.id, "delegate", "carol", delegate_to="quinn")
    await env.sleep(timedelta(days=1, hours=1))
    await client.perform(request.id, "approve", "erin")


async def timeout_edit(client: SignoffClient, env: WorkflowEnvironment, queue: str) -> None:
    request = make_request("timeout-approve-all", id="replay-timeout")
    await client.submit(request)
    await client.perform(request.id, "edit", "alice", edited_text="Refund $80.")
    await env.sleep(timedelta(hours=2, minutes=1))


LIVE: dict[str, Scenario] = {
    "approved": approved,
    "edited_with_feedback": edited_with_feedback,
    "crowd_race": crowd_race,
    "continued": continued,
    "automatic": automatic,
}
SKIPPING: dict[str, Scenario] = {"escalated": escalated, "timeout_edit": timeout_edit}
REFUSING: dict[str, Scenario] = {"refused_webhook": refused_webhook}
"""Recorded with a worker whose outcome webhook answers 410 Gone."""


async def _record(
    env: WorkflowEnvironment,
    scenarios: dict[str, Scenario],
    db: Path,
    into: Path,
    **setting: Any,
) -> None:
    create_surface(db.parent / "keys", db.parent / "surfaces.yaml", TEST_SURFACE, "anyone")
    settings = Settings(
        database_url=f"sqlite:///{db}",
        policies_file=FIXTURES / "policies.yaml",
        directory_file=FIXTURES / "directory.yaml",
        data_dir=db.parent,
        vouch_fresh_for=None,  # the time-skipping server's clock runs ahead
        **setting,
    )
    for name, scenario in scenarios.items():
        harness = Harness(env.client, settings)
        async with harness.worker():
            await scenario(harness.signoff, env, harness.task_queue)
            await asyncio.sleep(1)
        decision_id = f"replay-{name.split('_')[0]}"
        runs = await _runs(env, workflow_id_for(decision_id))
        for index, history in enumerate(runs):
            suffix = f"-run{index}" if len(runs) > 1 else ""
            (into / f"{name}{suffix}.json").write_text(history.to_json())
        print(f"recorded {name} ({len(runs)} run(s))")


async def _runs(env: WorkflowEnvironment, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of a decision, oldest first, following continue-as-new back."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    chain = [history]
    started = history.events[0].workflow_execution_started_event_attributes
    while started.continued_execution_run_id:
        run_id = started.continued_execution_run_id
        history = await env.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        chain.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes
    return chain


async def main(version: str) -> None:
    into = HISTORIES / version
    into.mkdir(parents=True, exist_ok=False)
    with tempfile.TemporaryDirectory() as tmp:
        live = await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=_binary("temporal"),
            search_attributes=list(ALL_KEYS),
            ui=False,
        )
        receiver = HttpRecorder()
        await receiver.start()
        receiver.fail_next(1000, 410)
        try:
            await _record(live, LIVE, Path(tmp) / "live.db", into)
            await _record(
                live,
                REFUSING,
                Path(tmp) / "refusing.db",
                into,
                outcome_webhook_url=receiver.url,
                webhook_secret=SECRET,
            )
        finally:
            await receiver.stop()
            await live.shutdown()
        skipping = await WorkflowEnvironment.start_time_skipping(
            data_converter=pydantic_data_converter,
            test_server_existing_path=_binary("temporal-test-server"),
        )
        try:
            await ensure_search_attributes(skipping.client)
            await _record(skipping, SKIPPING, Path(tmp) / "skipping.db", into)
        finally:
            await skipping.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
