"""Temporal's Web UI names each decision by its title and shows where it stands."""

from __future__ import annotations

from temporalio.api.sdk.v1 import WorkflowMetadata

from signoff.core.contract import workflow_id_for
from signoff.core.temporal_ui import SUMMARY_BYTES, summary
from tests.conftest import Harness, make_request

METADATA_QUERY = "__temporal_workflow_metadata"


async def current_details(live: Harness, decision_id: str) -> str:
    handle = live.client.get_workflow_handle(workflow_id_for(decision_id))
    metadata = await handle.query(METADATA_QUERY, result_type=WorkflowMetadata)
    return metadata.current_details


async def test_a_decision_shows_its_title_and_who_it_waits_on_then_who_decided(
    live: Harness,
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)
    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    described = await handle.describe()
    assert await described.static_summary() == request.title
    details = await described.static_details()
    assert details is not None and "refunds" in details and "first-lead" in details
    assert await current_details(live, request.id) == (
        "**pending** — stage leads, waiting on alice, bob"
    )

    await live.signoff.perform(request.id, "approve", "bob")
    assert await current_details(live, request.id) == "**approved** by bob"


def test_a_long_title_is_cut_to_what_the_server_accepts() -> None:
    title = "Ü" * 480
    shown = summary(make_request("first-lead", title=title))
    assert shown.endswith("…") and title.startswith(shown[:-1])
    assert len(('"' + shown + '"').encode()) <= SUMMARY_BYTES
