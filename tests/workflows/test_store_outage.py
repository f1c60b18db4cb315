"""The audit store goes away in the middle of a decision: the action waits for its audit
record, and once the store is back nothing is lost and nothing is written twice."""

from __future__ import annotations

import asyncio

from sqlalchemy import make_url
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.models import Status
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.tcp_proxy import TcpProxy


async def test_an_approval_during_a_database_outage_is_recorded_once_when_it_returns(
    dev_env: WorkflowEnvironment, settings: Settings, postgresql_url: str
) -> None:
    url = make_url(postgresql_url)
    request = make_request("first-lead")
    async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as database:
        through_proxy = url.set(port=database.port).render_as_string(hide_password=False)
        harness = Harness(
            dev_env.client, settings.model_copy(update={"database_url": through_proxy})
        )
        async with harness.worker():
            await harness.signoff.submit(request)
            await database.cut()

            approving = asyncio.create_task(harness.signoff.perform(request.id, "approve", "alice"))
            await asyncio.sleep(3)
            assert not approving.done(), "the approval answered before its audit record was kept"

            await database.restore()
            result = await asyncio.wait_for(approving, 60)

    assert result.status == "approved"
    async with await Store.open(postgresql_url) as store:
        kinds = [event.kind.value for event in await store.events(request.id)]
        assert kinds.count("voted") == 1 and kinds.count("finalized") == 1
        assert (await store.verify(request.id)).ok
        state = await store.decision_state(request.id)
        assert state is not None and state.status is Status.APPROVED
