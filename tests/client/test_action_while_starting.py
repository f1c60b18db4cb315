"""An action that finds no decision because the decision started just after it looked is
sent again and applied, never answered with Temporal's raw "workflow not found"."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from tests.conftest import Harness, make_request


class NotThereYet:
    """A handle whose first Update finds no workflow, as one sent a moment before the
    decision's start would; everything after goes to the real decision."""

    def __init__(self, handle: WorkflowHandle[Any, Any]) -> None:
        self._handle = handle
        self.refused = 0

    async def execute_update(self, *args: Any, **kwargs: Any) -> Any:
        if not self.refused:
            self.refused += 1
            raise RPCError("workflow not found for ID", RPCStatusCode.NOT_FOUND, b"")
        return await self._handle.execute_update(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


async def test_an_action_racing_its_decisions_start_is_applied(
    live: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)
    racing = NotThereYet(live.signoff._handle(request.id))
    monkeypatch.setattr(live.signoff, "_handle", lambda _: racing)

    result = await live.signoff.perform(request.id, "approve", "alice")

    assert racing.refused == 1
    assert result.applied and result.status == "approved"
