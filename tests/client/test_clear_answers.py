"""What the client answers when a submission cannot become a decision: one reason, at
once, from every call, never a raw Temporal error or a long wait."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import RawValue
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.core.contract import DECISION_WORKFLOW, workflow_id_for
from signoff.core.errors import (
    ActionRefused,
    DecisionFailed,
    InvalidPolicyError,
    RequestConflict,
    RequestTooLarge,
)
from signoff.core.models import AuditKind, Proposal
from signoff.core.models.request import MAX_REQUEST_BYTES
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_an_unknown_policy_is_reported_as_the_decisions_failure_by_every_call(
    live: Harness,
) -> None:
    request = make_request("nope", id=_id("unknown-policy"))
    with pytest.raises(InvalidPolicyError, match="nope"):
        await live.signoff.submit(request)

    started = time.monotonic()
    with pytest.raises(DecisionFailed, match=r"failed: .*nope"):
        await live.signoff.state(request.id)
    with pytest.raises(DecisionFailed, match=r"failed: .*nope"):
        await live.signoff.perform(request.id, "approve", "alice")
    assert time.monotonic() - started < 5


def _raw_input(decision: str, problem: str) -> RawValue:
    """A start input as someone with Temporal access could send it, past the client."""
    request = make_request("first-lead", id=decision).model_dump(mode="json")
    if problem == "null":
        return RawValue(pydantic_data_converter.payload_converter.to_payloads([None])[0])
    if problem == "confidence":
        request["confidence"] = 1.5
    if problem == "another decision":
        request["id"] = f"{decision}-other"
    return RawValue(
        pydantic_data_converter.payload_converter.to_payloads([{"request": request}])[0]
    )


@pytest.mark.parametrize(
    ("problem", "reason"),
    [
        ("confidence", r"confidence: Input should be less than or equal"),
        ("null", r"input is an object, not NoneType"),
        ("another decision", r"does not match the workflow id"),
    ],
)
async def test_a_raw_start_with_an_invalid_input_fails_at_once_instead_of_retrying_forever(
    live: Harness, problem: str, reason: str
) -> None:
    decision = _id("raw-invalid")
    handle = await live.client.start_workflow(
        DECISION_WORKFLOW,
        _raw_input(decision, problem),
        id=workflow_id_for(decision),
        task_queue=live.task_queue,
    )

    async def failed() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.FAILED

    await eventually(failed, timeout=10)
    with pytest.raises(DecisionFailed, match=reason):
        await live.signoff.state(decision)


async def test_the_same_request_twice_is_one_decision_and_a_different_one_is_a_conflict(
    live: Harness,
) -> None:
    request = make_request("first-lead", id=_id("resubmit"))
    first = await live.signoff.submit(request)
    again = await live.signoff.submit(request)
    assert again.decision_id == first.decision_id and again.submitted_at == first.submitted_at

    changed = request.model_copy(update={"confidence": 0.2, "title": "Another refund"})
    with pytest.raises(RequestConflict, match="already exists with a different request") as err:
        await live.signoff.submit(changed)
    assert set(err.value.fields) == {"title", "confidence"}
    assert (await live.signoff.state(request.id)).request == request


async def test_a_request_whose_decision_has_ended_is_answered_with_it_not_started_again(
    skipping_env: WorkflowEnvironment, skipping: Harness
) -> None:
    request = make_request("short-feedback", id=_id("ended"))
    await skipping.signoff.submit(request)
    await skipping.signoff.perform(request.id, "approve", "alice")
    await skipping_env.sleep(timedelta(hours=2))  # the feedback window closes
    handle = skipping.client.get_workflow_handle(workflow_id_for(request.id))
    await handle.result()
    ended = await handle.describe()

    again = await skipping.signoff.submit(request)

    assert again.status.value == "approved"
    assert (await handle.describe()).run_id == ended.run_id  # no new run was started


async def test_a_failed_decisions_id_is_answered_with_its_failure_not_reused(
    live: Harness,
) -> None:
    request = make_request("first-lead", id=_id("again"))
    await live.signoff.submit(request)
    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    await handle.terminate("operator stopped it")

    with pytest.raises(DecisionFailed, match="terminated"):
        await live.signoff.submit(request)
    with pytest.raises(DecisionFailed, match="terminated"):
        await live.signoff.state(request.id)
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_a_request_over_the_size_limit_is_refused_before_anything_starts(
    live: Harness,
) -> None:
    request = make_request(
        "first-lead", id=_id("too-large"), metadata={"blob": "x" * (3 * 1024 * 1024)}
    )
    with pytest.raises(RequestTooLarge, match=f"at most {MAX_REQUEST_BYTES // 1024} KB"):
        await live.signoff.submit(request)
    listed = [
        w async for w in live.client.list_workflows(f"WorkflowId = '{workflow_id_for(request.id)}'")
    ]
    assert listed == []
    just_under = make_request(
        "first-lead",
        id=_id("large"),
        proposal=Proposal(text="y" * 90_000),
        metadata={"blob": "x" * (MAX_REQUEST_BYTES - 100_000)},
    )
    assert (await live.signoff.submit(just_under)).decision_id == just_under.id
    await asyncio.sleep(0)


async def test_a_refusal_of_an_action_with_the_longest_ids_is_answered_and_audited(
    live: Harness,
) -> None:
    request = make_request("first-lead", id="d" * 200)
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.perform(request.id, "approve", "carol", action_id="a" * 200)

    assert refused.value.code == "not_asked"

    async def audited() -> bool:
        async with await Store.open(live.settings.store_url) as store:
            events = await store.events(request.id)
        return any(e.kind is AuditKind.REFUSED and e.actor == "carol" for e in events)

    await eventually(audited, timeout=10)
