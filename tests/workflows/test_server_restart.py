"""The Temporal server SIGKILLed and restarted, on its own database, while twenty people
click: nobody's click is lost or counted twice, and the store, the cards and the
workflow still agree for every decision.

Before the audit was written from history, a restart mid-race left duplicate ``voted``
events and a store naming another approver than the workflow.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from signoff import ActionRefused, ActionResult
from signoff.adapters.store import Store
from signoff.app.cli.devserver import DevServer
from signoff.core.models import AuditKind
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.waiting import eventually

CROWD = [f"p{i:02d}" for i in range(1, 21)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A dev server on fixed ports and one database file, so it can come back."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port, self.ui_port = free_port(), free_port()
        self.running: DevServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.running = await DevServer.start(
            port=self.port, ui_port=self.ui_port, data_dir=self.data_dir
        )

    async def ready(self) -> Client:
        async def connected() -> Client | None:
            try:
                client = await Client.connect(self.address, data_converter=pydantic_data_converter)
                await client.count_workflows()
                return client
            except Exception:
                return None

        return await eventually(connected, timeout=60, every=0.2)

    async def kill(self) -> None:
        assert self.running is not None
        self.running.process.send_signal(signal.SIGKILL)
        await self.running.process.wait()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    running = Server(tmp_path)
    await running.start()
    yield running
    if running.running is not None:
        await running.running.stop()


async def test_a_server_killed_and_restarted_mid_race_loses_and_doubles_nothing(
    server: Server, settings: Settings, store: Store
) -> None:
    client = await server.ready()
    harness = Harness(client, settings)
    problems: dict[str, list[str]] = {}
    unanswered_at_kill: list[int] = []
    async with harness.worker():
        for round_ in range(12):
            request = make_request("crowd-first")
            await harness.signoff.submit(request)
            tasks = [
                asyncio.ensure_future(
                    harness.signoff.perform(request.id, "approve", who, action_id=f"{who}-x")
                )
                for who in CROWD
            ]
            if round_ % 2 == 1:  # mid-race, every other decision, a little later each time
                await asyncio.sleep(0.03 * round_)
                await server.kill()
                unanswered_at_kill.append(sum(not t.done() for t in tasks))
                await server.start()
            answers = await asyncio.gather(*tasks, return_exceptions=True)
            found = [
                f"{who}: {type(a).__name__}: {a}"
                for who, a in zip(CROWD, answers, strict=True)
                if not isinstance(a, ActionResult | ActionRefused)
                and type(a).__name__ != "ActionPending"
            ]
            state = await eventually(
                lambda rid=request.id: _final(harness, rid), timeout=60, every=0.2
            )
            await eventually(
                lambda rid=request.id, s=state.status.value: _card_shows(harness, rid, s),
                timeout=30,
            )
            found += await disagreements(harness.signoff, store, request.id, cards=harness.channel)
            events = await store.events(request.id)
            voted = [e.actor for e in events if e.kind is AuditKind.VOTED]
            if len(voted) != 1 or voted != state.outcome.decided_by:
                found.append(f"voted events {voted}, decided by {state.outcome.decided_by}")
            refused = [e.actor for e in events if e.kind is AuditKind.REFUSED]
            if len(refused) != len(set(refused)):
                found.append(f"a refusal recorded twice: {sorted(refused)}")
            if found:
                problems[f"{request.id} (round {round_})"] = found

    assert not problems, problems
    assert any(unanswered_at_kill), f"no kill landed mid-race: {unanswered_at_kill}"


async def _final(harness: Harness, decision_id: str):  # type: ignore[no-untyped-def]
    try:
        state = await harness.signoff.state(decision_id)
    except Exception:
        return None
    return state if state.outcome is not None else None


async def _card_shows(harness: Harness, decision_id: str, status: str) -> bool:
    return harness.channel.last_drawn_status(decision_id) == status
