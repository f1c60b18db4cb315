"""After the outcome: thumbs, corrections and expert ground truth flow into the workflow
and the store, for as long as the feedback window is open."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff import ActionRefused, Status
from signoff.adapters.store import Store
from signoff.core.channel_protocol import Notice
from signoff.core.contract import DecisionWorkflowInput, workflow_id_for
from signoff.workflows import DecisionWorkflow
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually


async def _decided(harness: Harness, policy: str) -> str:
    request = make_request(policy)
    await harness.signoff.submit(request)
    await harness.signoff.perform(request.id, "approve", "alice")
    return request.id


async def _settled(store: Store, decision_id: str, check) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(100):
        feedback = await store.feedback(decision_id)
        if check(feedback):
            return feedback
        await asyncio.sleep(0.05)
    raise AssertionError(f"store feedback never settled: {feedback}")


async def test_thumbs_are_one_per_person_and_changeable_in_workflow_and_store(
    live: Harness, store: Store
) -> None:
    decision = await _decided(live, "first-lead")

    await live.signoff.perform(decision, "thumb", "alice", thumb="up")
    await live.signoff.perform(decision, "thumb", "bob", thumb="down")
    await live.signoff.perform(decision, "thumb", "alice", thumb="down")
    await live.signoff.perform(decision, "correction", "bob", reason="Should be $90")

    feedback = (await live.signoff.state(decision)).feedback
    assert feedback.thumbs == {"alice": "down", "bob": "down"}
    assert feedback.corrections[0].detail == "Should be $90"
    stored = await _settled(store, decision, lambda f: len(f["corrections"]) == 1)
    assert stored["thumbs"] == {"alice": "down", "bob": "down"}


async def test_feedback_before_the_outcome_is_refused(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)
    with pytest.raises(ActionRefused, match="Feedback opens once the decision is final"):
        await live.signoff.perform(request.id, "thumb", "alice", thumb="up")


async def test_disagreeing_experts_are_settled_by_the_adjudicator(
    live: Harness, store: Store
) -> None:
    decision = await _decided(live, "expert-labels")

    await live.signoff.perform(decision, "ground_truth", "xena", label="fraud")
    reply = await live.signoff.perform(decision, "ground_truth", "yuri", label="legit")
    assert "an adjudicator will decide" in reply.message
    with pytest.raises(ActionRefused, match="Only experts"):
        await live.signoff.perform(decision, "ground_truth", "bob", label="fraud")
    await live.signoff.perform(decision, "ground_truth", "erin", label="fraud")

    truth = (await live.signoff.state(decision)).feedback.ground_truth
    assert truth is not None and (truth.label, truth.method) == ("fraud", "adjudicated")

    async def notified() -> list[Notice]:
        return live.channel.notices_for(decision, "adjudication")

    assert (await eventually(notified))[0].recipients == ["erin"]  # via the card outbox
    stored = await _settled(store, decision, lambda f: f["ground_truth"] is not None)
    assert stored["ground_truth"]["label"] == "fraud"


async def test_agreeing_experts_make_ground_truth(live: Harness) -> None:
    decision = await _decided(live, "expert-labels")
    await live.signoff.perform(decision, "ground_truth", "xena", label="legit")
    reply = await live.signoff.perform(decision, "ground_truth", "zoe", label="legit")
    assert reply.message == "Ground truth settled: 'legit' (consensus)."


async def test_the_workflow_completes_with_the_outcome_when_the_window_closes(
    skipping: Harness, skipping_env: WorkflowEnvironment
) -> None:
    decision = await _decided(skipping, "short-feedback")
    await skipping.signoff.perform(decision, "thumb", "bob", thumb="up")

    await skipping_env.sleep(timedelta(hours=2))

    handle = skipping.client.get_workflow_handle_for(
        DecisionWorkflow.run, workflow_id_for(decision)
    )
    outcome = await handle.result()
    assert outcome.status is Status.APPROVED
    with pytest.raises(ActionRefused) as refused:
        await skipping.signoff.perform(decision, "thumb", "carol", thumb="up")
    assert refused.value.code == "closed"


async def test_a_long_feedback_window_continues_as_new_without_losing_idempotency(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    handle = await live.client.start_workflow(
        DecisionWorkflow.run,
        DecisionWorkflowInput(request=request, continue_as_new_after_events=40),
        id=workflow_id_for(request.id),
        task_queue=live.task_queue,
    )
    first_run = handle.result_run_id
    await live.signoff.perform(request.id, "approve", "alice", action_id="approve-1")
    voters = [f"p{i:02d}" for i in range(1, 21)]
    for who in voters:
        await live.signoff.perform(request.id, "thumb", who, thumb="up", action_id=f"t-{who}")

    again = await live.signoff.perform(request.id, "thumb", "p01", thumb="up", action_id="t-p01")
    approve_again = await live.signoff.perform(
        request.id, "approve", "alice", action_id="approve-1"
    )

    assert again.duplicate and approve_again.duplicate
    description = await live.client.get_workflow_handle(workflow_id_for(request.id)).describe()
    assert description.run_id != first_run
    state = await live.signoff.state(request.id)
    assert len(state.feedback.thumbs) == 20 and state.status is Status.APPROVED
    events = await store.events(request.id)
    assert [e.kind.value for e in events].count("feedback") == 20
    assert len({e.event_id for e in events}) == len(events)
    assert (await store.verify(request.id)).ok
