"""Search attributes follow the decision, also after its outcome, for the Temporal UI
and `signoff pending`."""

from __future__ import annotations

import asyncio

from signoff.core import search_attributes as search
from signoff.core.contract import workflow_id_for
from tests.conftest import Harness, make_request


async def _status_in_visibility(harness: Harness, decision_id: str, wanted: str) -> bool:
    query = f"WorkflowId = '{workflow_id_for(decision_id)}' AND SignoffStatus = '{wanted}'"
    for _ in range(100):
        async for execution in harness.client.list_workflows(query):
            assert execution.typed_search_attributes.get(search.USE_CASE) == "refunds"
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_later_override_is_what_the_ui_shows(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "approve", "alice")
    assert await _status_in_visibility(live, request.id, "approved")

    await live.signoff.perform(
        request.id, "override", "dave", verdict="reject", reason="Chargeback filed"
    )

    assert await _status_in_visibility(live, request.id, "overridden")
