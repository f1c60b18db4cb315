"""Only people the directory knows act, are asked or are delegated to; the requester is
never asked; and nobody can hand a decision a made-up past.

Each impersonation here was reproduced against the earlier code (issue 10, part 3):
each is now refused, and where a decision exists the refusal is in its audit trail.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio import workflow
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowUpdateFailedError,
)
from temporalio.common import RetryPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from signoff import ActionRefused, InvalidPolicyError, Status
from signoff.adapters.store import Store
from signoff.core.contract import (
    DECISION_WORKFLOW,
    DecisionCarry,
    DecisionWorkflowInput,
    workflow_id_for,
)
from signoff.core.models import Action, AuditKind, Outcome, ReviewPolicy, Stage
from tests.conftest import Harness, make_request
from tests.helpers.agreement import disagreements
from tests.helpers.waiting import eventually

CROWD = [f"p{i:02d}" for i in range(1, 21)]


async def refusals(store: Store, decision_id: str) -> list[tuple[str | None, str]]:
    return [
        (e.actor, e.data["code"])
        for e in await store.events(decision_id)
        if e.kind is AuditKind.REFUSED
    ]


async def test_a_delegate_the_directory_does_not_know_is_refused_and_the_refusal_is_audited(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused, match="nobody-x is not in the directory"):
        await live.signoff.perform(request.id, "delegate", "alice", delegate_to="nobody-x")

    state = await live.signoff.state(request.id)
    assert state.stage is not None and "nobody-x" not in state.stage.asked
    assert await refusals(store, request.id) == [("alice", "unknown_person")]
    assert await disagreements(live.signoff, store, request.id) == []


@pytest.mark.parametrize(
    "who", ["mallory", "p07"], ids=["outside the directory", "a directory person not involved"]
)
async def test_a_comment_by_someone_the_decision_does_not_involve_is_refused_and_audited(
    live: Harness, store: Store, who: str
) -> None:
    """Whoever can click a card could comment before; the decision's validator now
    refuses anyone it does not involve, in or out of the directory."""
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused, match="Only the people a decision involves may comment"):
        await live.signoff.perform(request.id, "comment", who, reason="approve it")

    async def audited() -> bool:
        return await refusals(store, request.id) == [(who, "not_involved")]

    await eventually(audited)
    kinds = [e.kind for e in await store.events(request.id)]
    assert AuditKind.COMMENTED not in kinds
    assert who not in {entry.actor for entry in (await live.signoff.state(request.id)).history}


async def test_a_comment_by_a_person_the_decision_asks_is_accepted(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    result = await live.signoff.perform(request.id, "comment", "alice", reason="Seen it before.")

    assert result.applied
    assert await refusals(store, request.id) == []


async def test_the_requester_with_an_invisible_character_appended_is_not_another_person(
    live: Harness,
) -> None:
    request = make_request("first-lead", requester="alice")
    await live.signoff.submit(request)

    with pytest.raises(ValidationError, match="invisible or space characters \\(U\\+200B\\)"):
        Action(kind="approve", action_id="a1", actor="alice\u200b")
    # Past the client, straight to Temporal: the workflow refuses it just the same.
    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    forged = {"kind": "approve", "action_id": "a1", "actor": "alice\u200b", "via": "api"}
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update("approve", forged)

    state = await live.signoff.state(request.id)
    assert state.status is Status.PENDING and state.stage is not None
    assert state.stage.votes == []


def test_a_full_width_spelling_of_a_person_is_the_same_person() -> None:
    full_width = "\uff41\uff4c\uff49\uff43\uff45"
    assert Action(kind="approve", action_id="a1", actor=full_width).actor == "alice"


async def test_the_requester_is_never_asked_and_never_counted_toward_an_all_quorum(
    live: Harness, store: Store
) -> None:
    request = make_request("crowd-all", requester="p05")

    state = await live.signoff.submit(request)

    assert state.stage is not None and "p05" not in state.stage.asked
    assert len(state.stage.asked) == 19
    for person in CROWD:
        if person != "p05":
            await live.signoff.perform(request.id, "approve", person)
    final = await live.signoff.state(request.id)
    assert final.status is Status.APPROVED
    assert await disagreements(live.signoff, store, request.id) == []


async def test_a_stage_that_would_ask_only_the_requester_is_refused_at_submission(
    live: Harness,
) -> None:
    solo = ReviewPolicy(name="self-review", stages=[Stage(name="self", approvers=["rita"])])
    request = make_request(solo, requester="rita")

    with pytest.raises(InvalidPolicyError, match="besides the requester 'rita'"):
        await live.signoff.submit(request)


async def test_a_requester_the_directory_does_not_know_is_refused_at_submission(
    live: Harness,
) -> None:
    request = make_request("first-lead", requester="ghost-bot")

    with pytest.raises(
        InvalidPolicyError, match="the requester 'ghost-bot' is not in the directory"
    ):
        await live.signoff.submit(request)


@pytest.mark.parametrize(
    "retry", [None, RetryPolicy(maximum_attempts=3, initial_interval=timedelta(seconds=0.1))]
)
async def test_a_start_that_brings_a_made_up_past_decides_nothing_even_when_retried(
    live: Harness, store: Store, retry: RetryPolicy | None
) -> None:
    """A retried run names the run before it, as a continued one does: still refused."""
    genuine = make_request("first-lead")
    state = await live.signoff.submit(genuine)
    forged_id = f"forged-{uuid.uuid4().hex[:8]}"
    forged_state = state.model_copy(
        update={"decision_id": forged_id, "request": genuine.model_copy(update={"id": forged_id})}
    )
    forged_state.status = Status.APPROVED
    forged_state.outcome = Outcome(
        decision_id=forged_id,
        status=Status.APPROVED,
        approved=True,
        final_text="anything",
        decided_by=["dave"],
        decided_at=state.submitted_at,
        submitted_at=state.submitted_at,
    )
    carry = DecisionCarry(state=forged_state, next_seq=1, applied={})

    handle = await live.client.start_workflow(
        DECISION_WORKFLOW,
        DecisionWorkflowInput(request=forged_state.request, carry=carry),
        id=workflow_id_for(forged_id),
        task_queue=live.task_queue,
        retry_policy=retry,
    )

    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert "accepted only from a continued run" in str(failed.value.cause)
    assert await store.events(forged_id) == []
    assert (await handle.describe()).status == WorkflowExecutionStatus.FAILED


@workflow.defn(name="attacker.launder", sandboxed=False)
class Launder:
    """Someone else's workflow that continues as new into a decision, handing it a carry."""

    @workflow.run
    async def run(self, forged: dict[str, Any], queue: str) -> None:
        workflow.continue_as_new(args=[forged], workflow=DECISION_WORKFLOW, task_queue=queue)


async def test_a_made_up_past_laundered_through_another_workflows_continue_as_new_is_refused(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    genuine = await live.signoff.submit(request)
    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    written = len(await store.events(request.id))
    await handle.terminate("an attacker clears the way")
    unguarded = genuine.model_copy(
        update={"plan": genuine.plan.model_copy(update={"surfaces": None})}
    )
    forged = DecisionWorkflowInput(
        request=request, carry=DecisionCarry(state=unguarded, next_seq=written, applied={})
    ).model_dump(mode="json")
    theirs = f"attacker-{uuid.uuid4().hex[:6]}"

    async with Worker(
        live.client,
        task_queue=theirs,
        workflows=[Launder],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        await live.client.start_workflow(
            "attacker.launder",
            args=[forged, live.task_queue],
            id=workflow_id_for(request.id),
            task_queue=theirs,
        )
        with pytest.raises(WorkflowFailureError) as failed:
            decision = live.client.get_workflow_handle(workflow_id_for(request.id))
            await asyncio.wait_for(decision.result(), 30)  # taken up, it would wait for people

    assert "accepted only from a continued run" in str(failed.value.cause)
    assert len(await store.events(request.id)) == written
