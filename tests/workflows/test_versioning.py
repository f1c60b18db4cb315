"""Changing the workflow costs new decisions next to nothing: the changes made so far are
gathered under one patch (see ``signoff.workflows.patches``), and the histories of decisions
begun before each change keep replaying (``tests/replay``)."""

from __future__ import annotations

import json
import uuid

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from signoff.core.contract import workflow_id_for
from signoff.workflows.patches import GATHERED
from tests.conftest import Harness, make_request
from tests.helpers.versioned_workflows import NAME, AfterTheLaterChange, BeforeTheLaterChange


def _patches(history: WorkflowHistory) -> list[str]:
    found = []
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if marker.marker_name == "core_patch":
            found.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return found


async def test_a_new_decision_records_no_patch_marker_and_its_plan_names_its_behaviours(
    live: Harness,
) -> None:
    """Each patch marker would cost a new decision a marker event and an upsert of
    Temporal's TemporalChangeVersion search attribute; the plan's local-activity marker,
    which every decision records anyway, carries the name of its behaviours instead."""
    request = make_request("first-lead")
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "edit", "bob", edited_text="Refund $80.")

    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    history = await handle.fetch_history()
    state = await live.signoff.state(request.id)
    assert _patches(history) == []
    assert state.plan.behaviours == GATHERED
    upserts = [
        event.upsert_workflow_search_attributes_event_attributes.search_attributes
        for event in history.events
        if event.HasField("upsert_workflow_search_attributes_event_attributes")
    ]
    upserted = [key for attributes in upserts for key in attributes.indexed_fields]
    assert "TemporalChangeVersion" not in upserted


async def _history_of(env: WorkflowEnvironment, workflow: type) -> WorkflowHistory:
    queue = f"versioned-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[workflow]):
        handle = await env.client.start_workflow(NAME, id=queue, task_queue=queue)
        assert await handle.result() is True
    return await handle.fetch_history()


async def test_a_change_made_after_the_gathering_is_not_taken_by_runs_begun_before_it(
    dev_env: WorkflowEnvironment,
) -> None:
    begun_before = await _history_of(dev_env, BeforeTheLaterChange)
    begun_after = await _history_of(dev_env, AfterTheLaterChange)

    replayed = await Replayer(workflows=[AfterTheLaterChange]).replay_workflow(
        begun_before, raise_on_replay_failure=False
    )

    assert replayed.replay_failure is None, replayed.replay_failure
    assert _patches(begun_before) == [GATHERED]
    assert _patches(begun_after) == [GATHERED, "a-later-change"]
