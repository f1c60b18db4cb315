"""Timers on the time-skipping server: reminders, SLAs, escalation and expiry run in
milliseconds however many hours and days the policy names."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from signoff import Status
from signoff.adapters.store import Store
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually


async def _advance(env: WorkflowEnvironment, harness: Harness, decision_id: str, by: timedelta):
    await env.sleep(by)
    return await harness.signoff.state(decision_id)


async def test_a_three_stage_chain_reminds_escalates_and_finally_expires(
    skipping: Harness, skipping_env: WorkflowEnvironment, store: Store
) -> None:
    request = make_request("three-stage")
    await skipping.signoff.submit(request)

    state = await _advance(skipping_env, skipping, request.id, timedelta(hours=1, minutes=1))
    assert state.stage is not None and state.stage.name == "leads"
    assert state.stage.reminders_sent == 1

    state = await _advance(skipping_env, skipping, request.id, timedelta(hours=3))
    assert state.stage is not None and state.stage.name == "seniors"
    assert [s.name for s in state.past_stages] == ["leads"]
    assert state.past_stages[0].reminders_sent == 2

    state = await _advance(skipping_env, skipping, request.id, timedelta(days=1))
    assert state.stage is not None and state.stage.name == "committee"

    state = await _advance(skipping_env, skipping, request.id, timedelta(days=3))
    assert state.status is Status.EXPIRED
    assert state.outcome is not None and not state.outcome.approved

    # Notices travel through the card outbox, a moment after the state changes.
    async def all_reminded() -> list[object]:
        reminders = skipping.channel.notices_for(request.id, "reminder")
        return reminders if len(reminders) == 4 else []

    assert await eventually(all_reminded)
    escalations = skipping.channel.notices_for(request.id, "escalation")
    assert [n.recipients for n in escalations] == [["carol", "dave"], ["dave", "erin"]]
    kinds = [e.kind.value for e in await store.events(request.id)]
    assert kinds.count("escalated") == 2 and kinds.count("reminder_sent") == 4
    assert kinds.count("timed_out") == 3


async def test_an_approval_in_the_escalated_stage_decides(
    skipping: Harness, skipping_env: WorkflowEnvironment
) -> None:
    request = make_request("three-stage")
    await skipping.signoff.submit(request)
    await _advance(skipping_env, skipping, request.id, timedelta(hours=5))

    result = await skipping.signoff.perform(request.id, "approve", "carol", seen_stage=1)

    assert result.status == "approved"
    outcome = await skipping.signoff.wait_outcome(request.id)
    assert outcome.decided_by == ["carol"]


async def test_timeout_actions_approve_reject_or_expire_as_configured(
    skipping: Harness, skipping_env: WorkflowEnvironment
) -> None:
    requests = {
        policy: make_request(policy)
        for policy in ("timeout-approve", "timeout-reject", "timeout-expire")
    }
    for request in requests.values():
        await skipping.signoff.submit(request)

    await skipping_env.sleep(timedelta(hours=2, minutes=1))

    statuses = {
        policy: (await skipping.signoff.state(r.id)).status for policy, r in requests.items()
    }
    assert statuses == {
        "timeout-approve": Status.APPROVED,
        "timeout-reject": Status.REJECTED,
        "timeout-expire": Status.EXPIRED,
    }


async def test_an_edit_is_what_a_timeout_approves(
    skipping: Harness, skipping_env: WorkflowEnvironment
) -> None:
    request = make_request("timeout-approve-all")
    await skipping.signoff.submit(request)
    await skipping.signoff.perform(request.id, "edit", "alice", edited_text="Refund $80.")

    await skipping_env.sleep(timedelta(hours=2, minutes=1))

    outcome = await skipping.signoff.wait_outcome(request.id)
    assert outcome.status is Status.APPROVED_WITH_EDITS
    assert (outcome.final_text, outcome.original_text) == ("Refund $80.", request.proposal.text)


async def test_the_absolute_expiry_ends_review_even_mid_stage(
    skipping: Harness, skipping_env: WorkflowEnvironment
) -> None:
    request = make_request("absolute-expiry")
    await skipping.signoff.submit(request)

    state = await _advance(skipping_env, skipping, request.id, timedelta(hours=13))
    assert state.stage is not None and state.stage.name == "committee"

    state = await _advance(skipping_env, skipping, request.id, timedelta(hours=12))
    assert state.status is Status.EXPIRED
    assert state.outcome is not None and state.outcome.reason == "expired"
