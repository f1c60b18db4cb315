"""Changing the workflow costs new decisions next to nothing: the changes made so far are
gathered under one patch (see ``workflows.behaviours``), and the histories of decisions
begun before each change keep replaying (``tests/replay``)."""

from __future__ import annotations

import json

from temporalio.client import WorkflowHistory

from tests.conftest import Harness, make_request
from workflows import workflow_id_for
from workflows.behaviours import GATHERED


def _patches(history: WorkflowHistory) -> list[str]:
    found = []
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if marker.marker_name == "core_patch":
            found.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return found


async def test_a_new_decision_records_one_patch_however_many_changes_it_runs_with(
    live: Harness,
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "edit", "bob", edited_text="Refund $80.")

    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    assert _patches(await handle.fetch_history()) == [GATHERED]
