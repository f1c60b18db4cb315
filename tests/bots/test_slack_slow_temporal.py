"""Slack is answered before Temporal is: the real Bolt app acks a signed click or modal
submission while no Signoff worker runs (Temporal cannot apply anything), and the action
lands once a worker is back. Slack re-sends a request not answered within 3 s, so the ack
must never wait for the workflow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from signoff.core.contract import workflow_id_for
from signoff.core.models import DecisionState, Status
from signoff.core.search_attributes import STATUS
from signoff.core.settings import Settings
from tests.conftest import Harness
from tests.helpers.decisions import final_state, submit, votes
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import Bot, click, slack_bot, submission
from tests.helpers.waiting import eventually

# A worker that starts again may wait out the old worker's sticky queue (5 s) first.
WORKER_BACK = 60.0
# Only turns a hang into a failure: with no worker, an ack that waits for the workflow
# never comes at all.
NO_ANSWER = 30.0


@pytest.fixture
def harness(dev_env: WorkflowEnvironment, settings: Settings) -> Harness:
    """A task queue whose worker each test starts and stops itself."""
    return Harness(dev_env.client, settings)


@pytest.fixture
async def bot(harness: Harness, api: SlackApi) -> AsyncIterator[Bot]:
    """The Bolt app over HTTP; it runs whether or not a worker does."""
    async with slack_bot(harness.vouching_as("slack"), api) as running:
        yield running


async def submit_then_stop_the_worker(harness: Harness) -> str:
    """A pending decision whose cards are drawn, and no worker left to move it on."""
    async with harness.worker():
        decision_id = await submit(harness)

        async def drawn() -> bool:
            return any(posted[0] == decision_id for posted in harness.channel.posts)

        await eventually(drawn, timeout=30)
    return decision_id


async def answer_to(request: Awaitable[aiohttp.ClientResponse]) -> aiohttp.ClientResponse:
    """Slack's answer to a request sent while no worker runs."""
    try:
        async with asyncio.timeout(NO_ANSWER):
            return await request
    except TimeoutError:
        raise AssertionError("no answer while Temporal cannot act: the ack waits for it") from None


def handle_of(harness: Harness, decision_id: str) -> WorkflowHandle[Any, Any]:
    return harness.client.get_workflow_handle(workflow_id_for(decision_id))


async def status_in_temporal(harness: Harness, decision_id: str) -> str | None:
    """The status Temporal shows for the decision (its search attribute): readable with
    no worker, where a query would wait for one."""
    description = await handle_of(harness, decision_id).describe()
    return description.typed_search_attributes.get(STATUS)


async def waiting_for_a_worker(harness: Harness, decision_id: str) -> bool:
    """Whether Temporal holds work for the decision that only a worker can do: the
    click has reached it."""
    description = await handle_of(harness, decision_id).describe()
    return description.raw_description.HasField("pending_workflow_task")


async def final_once_the_worker_is_back(harness: Harness, decision_id: str) -> DecisionState:
    async with harness.worker():
        return await final_state(harness, decision_id, timeout=WORKER_BACK)


async def test_an_approve_click_is_acked_while_temporal_is_down_and_applied_when_it_is_back(
    harness: Harness, bot: Bot
) -> None:
    decision_id = await submit_then_stop_the_worker(harness)

    response = await answer_to(bot.send(click(decision_id, "approve")))

    assert response.status == 200
    assert await status_in_temporal(harness, decision_id) == "pending"
    assert await eventually(lambda: waiting_for_a_worker(harness, decision_id), timeout=30)
    assert await status_in_temporal(harness, decision_id) == "pending"

    state = await final_once_the_worker_is_back(harness, decision_id)

    assert state.status is Status.APPROVED
    assert [(v.actor, v.verdict) for v in votes(state)] == [("alice", "approve")]
    assert not bot.api.calls_to("chat.postEphemeral")


async def test_a_reject_modal_is_acked_while_temporal_is_down_and_rejects_when_it_is_back(
    harness: Harness, bot: Bot, api: SlackApi
) -> None:
    decision_id = await submit_then_stop_the_worker(harness)

    # Opening the reject modal needs nothing from the workflow.
    assert (await answer_to(bot.send(click(decision_id, "reject")))).status == 200
    (opened,) = await eventually(lambda: _calls(api, "views.open"), timeout=30)
    reason = {"reason": {"value": {"type": "plain_text_input", "value": "Wrong amount"}}}
    response = await answer_to(bot.send(submission(opened.args["view"], reason)))

    assert response.status == 200
    assert await status_in_temporal(harness, decision_id) == "pending"
    assert await eventually(lambda: waiting_for_a_worker(harness, decision_id), timeout=30)

    state = await final_once_the_worker_is_back(harness, decision_id)

    assert state.status is Status.REJECTED
    assert [(v.actor, v.verdict, v.reason) for v in votes(state)] == [
        ("alice", "reject", "Wrong amount")
    ]
    assert not api.calls_to("chat.postEphemeral")


async def _calls(api: SlackApi, method: str) -> list[Any]:
    return api.calls_to(method)
