"""The model's input rides on the request, and the operator's redaction hook takes
secrets out of it before Temporal's history or the store keeps anything."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.contract import workflow_id_for
from signoff.core.errors import RedactionFailed, RequestTooLarge
from signoff.core.models import MAX_MODEL_INPUT_BYTES, ChatMessage, Proposal
from signoff.core.settings import Settings
from tests.conftest import Harness, make_request
from tests.helpers.parent_workflow import RedactingRefundFlow
from tests.helpers.redaction import MASK, history_bytes, renaming, without_api_keys
from tests.helpers.waiting import eventually

SECRET = "sk-live-4f9a8b7c6d5e"
ASKED = "Customer 1042 says the parcel arrived crushed; refund?"


@pytest.fixture
async def app_flow(dev_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Harness]:
    """A worker running Signoff and the application's own workflow beside it."""
    harness = Harness(dev_env.client, settings)
    async with harness.worker(workflows=[RedactingRefundFlow]):
        yield harness


def _chat() -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content=f"You are the refunds agent. Tool key: {SECRET}"),
        ChatMessage(role="user", content=ASKED),
    ]


async def _stored_everywhere(store: Store, decision_id: str) -> str:
    """The decision's row and its whole audit trail, as one text."""

    async def finalized_row() -> str | None:
        state = await store.decision_state(decision_id)
        return None if state is None else state.model_dump_json()

    row = await eventually(finalized_row)
    events = "".join(e.model_dump_json() for e in await store.events(decision_id))
    return row + events


async def test_redaction_removes_a_secret_before_the_history_and_the_store_hold_it(
    live: Harness, store: Store
) -> None:
    client = live.signoff.redacting_with(without_api_keys)
    request = make_request("first-lead", model_input=_chat())

    state = await client.submit(request)
    await client.perform(request.id, "approve", "alice")

    assert state.request.model_input == [
        ChatMessage(role="system", content=f"You are the refunds agent. Tool key: {MASK}"),
        ChatMessage(role="user", content=ASKED),
    ]
    history = await history_bytes(live.client, workflow_id_for(request.id))
    assert ASKED.encode() in history  # the input is there; only the secret is not
    assert SECRET.encode() not in history
    stored = await _stored_everywhere(store, request.id)
    assert ASKED in stored and MASK in stored
    assert SECRET not in stored


async def test_submitting_again_through_the_hook_answers_with_the_same_decision(
    live: Harness,
) -> None:
    client = live.signoff.redacting_with(without_api_keys)
    request = make_request("first-lead", model_input=f"Refund? key {SECRET}")

    first = await client.submit(request)
    again = await client.submit(request)

    assert again.decision_id == first.decision_id
    assert again.request.model_input == f"Refund? key {MASK}"


async def test_a_hook_that_renames_the_decision_is_refused_and_nothing_starts(
    live: Harness,
) -> None:
    request = make_request("first-lead", model_input="Refund?")

    with pytest.raises(RedactionFailed, match=r"^The redaction hook changed id, .*started\.$"):
        await live.signoff.redacting_with(renaming).submit(request)

    assert await live.signoff.exists(request.id) is False
    assert await live.signoff.exists(f"{request.id}-other") is False


async def test_a_model_input_over_its_limit_is_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError) as raised:
        make_request("first-lead", model_input="x" * (MAX_MODEL_INPUT_BYTES + 1))
    (error,) = raised.value.errors()  # type: ignore[attr-defined]
    assert error["loc"] == ("model_input",)
    assert error["msg"] == (
        "Value error, the model input is 131,075 bytes as JSON; it may be at most 131,072"
        " (128 KB): keep long documents elsewhere and link them as sources"
    )
    assert make_request("first-lead", model_input="x" * (MAX_MODEL_INPUT_BYTES - 2)).model_input


async def test_a_request_over_budget_with_its_model_input_starts_nothing(live: Harness) -> None:
    # Each part within its own limit; together over the request's 256 KB.
    request = make_request(
        "first-lead",
        model_input="i" * (MAX_MODEL_INPUT_BYTES - 10),
        proposal=Proposal(text="p" * 100_000),
        rationale="r" * 20_000,
        known_limitations=["l" * 10_000] * 5,
    )

    with pytest.raises(RequestTooLarge, match=r"^The request is \d+ KB; .* sources\.$"):
        await live.signoff.submit(request)

    assert await live.signoff.exists(request.id) is False


async def test_request_signoff_redacts_inside_the_calling_workflow(
    app_flow: Harness, store: Store
) -> None:
    request = make_request("first-lead", model_input=_chat())
    parent = await app_flow.client.start_workflow(
        RedactingRefundFlow.run,
        request,
        id=f"app-{uuid.uuid4().hex[:8]}",
        task_queue=app_flow.task_queue,
    )

    async def started() -> bool:
        return bool(await app_flow.signoff.exists(request.id))

    await eventually(started)
    await app_flow.signoff.perform(request.id, "approve", "alice")
    outcome = await parent.result()

    assert outcome.approved
    history = await history_bytes(app_flow.client, workflow_id_for(request.id))
    assert ASKED.encode() in history
    assert SECRET.encode() not in history
    assert SECRET not in await _stored_everywhere(store, request.id)


async def test_a_failing_hook_in_request_signoff_fails_the_caller_and_starts_nothing(
    app_flow: Harness,
) -> None:
    request = make_request("first-lead", model_input="Refund?", metadata={"hook": "renaming"})
    with pytest.raises(WorkflowFailureError) as failed:
        await app_flow.client.execute_workflow(
            RedactingRefundFlow.run,
            request,
            id=f"app-{uuid.uuid4().hex[:8]}",
            task_queue=app_flow.task_queue,
        )

    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "RedactionFailed"
    assert await app_flow.signoff.exists(request.id) is False
