"""Every outcome a decision can end with, as the application receives it."""

from __future__ import annotations

import pytest

from signoff import ActionRefused, Proposal, RiskTier, Status
from signoff.adapters.store import Store
from signoff.core.channel_protocol import Notice
from signoff.core.contract import workflow_id_for
from signoff.core.policy import qa_sampled
from tests.conftest import Harness, make_request
from tests.helpers.waiting import eventually


async def test_a_confident_low_risk_proposal_is_approved_automatically(live: Harness) -> None:
    request = make_request("auto-low-risk", confidence=0.95, risk_tier=RiskTier.LOW)
    state = await live.signoff.submit(request)
    assert state.status is Status.AUTO_APPROVED
    assert "allows automatic approval" in state.route_reason
    assert state.outcome is not None and state.outcome.approved


async def test_a_share_of_automatic_approvals_is_sampled_for_qa_and_audited(
    live: Harness, store: Store
) -> None:
    candidates = (f"qa-{n}-{live.task_queue}" for n in range(1000))
    decision_id = next(c for c in candidates if qa_sampled(c, 0.5))
    request = make_request("auto-low-risk", id=decision_id, confidence=0.95, risk_tier=RiskTier.LOW)

    state = await live.signoff.submit(request)

    assert state.status is Status.AUTO_APPROVED and state.sampled_for_qa

    async def audited() -> list[str]:  # written just after the answer: see the next spec
        return [e.kind.value for e in await store.events(request.id)]

    assert (await eventually(audited))[:4] == [
        "submitted",
        "routed",
        "sampled_for_qa",
        "finalized",
    ]


async def test_an_automatic_decision_answers_once_history_holds_its_audit(
    live: Harness, store: Store
) -> None:
    candidates = (f"auto-{n}-{live.task_queue}" for n in range(1000))
    decision_id = next(c for c in candidates if not qa_sampled(c, 0.5))
    request = make_request("auto-low-risk", id=decision_id, confidence=0.95, risk_tier=RiskTier.LOW)

    state = await live.signoff.submit(request)

    handle = live.client.get_workflow_handle(workflow_id_for(request.id))
    history = await handle.fetch_history()
    kinds = [e.WhichOneof("attributes") for e in history.events]
    answered = kinds.index("workflow_execution_update_completed_event_attributes")
    scheduled = kinds.index("activity_task_scheduled_event_attributes")
    audit = history.events[scheduled].activity_task_scheduled_event_attributes
    assert state.status is Status.AUTO_APPROVED
    assert audit.activity_type.name == "signoff.record_audit"
    # The answer and the audit's input came with one workflow task's completion: history
    # holds both or neither; the store is written afterwards.
    completed = kinds.index("workflow_task_completed_event_attributes")
    assert completed < min(answered, scheduled)
    assert "workflow_task_completed_event_attributes" not in kinds[completed + 1 : scheduled]
    assert "workflow_task_completed_event_attributes" not in kinds[completed + 1 : answered]
    assert "activity_task_completed_event_attributes" not in kinds[:answered]
    stored = await eventually(lambda: store.events(request.id))
    assert [e.kind.value for e in stored] == ["submitted", "routed", "finalized"]


async def test_an_automatic_approval_sampled_for_qa_is_sent_to_the_first_stage_to_look_back(
    live: Harness,
) -> None:
    ids = [f"qa-{n}-{live.task_queue}" for n in range(1000)]
    sampled = next(c for c in ids if qa_sampled(c, 0.5))
    not_sampled = next(c for c in ids if not qa_sampled(c, 0.5))
    for decision_id in (not_sampled, sampled):  # the outbox draws the older job no later
        request = make_request(
            "auto-low-risk-dm", id=decision_id, confidence=0.95, risk_tier=RiskTier.LOW
        )
        assert (await live.signoff.submit(request)).status is Status.AUTO_APPROVED

    async def posted() -> list[tuple[str, str | None, str]]:
        found = [p for p in live.channel.posts if p[0] == sampled]
        return found if len(found) == 2 else []

    assert sorted(await eventually(posted)) == [
        (sampled, "alice", "auto_approved"),
        (sampled, "bob", "auto_approved"),
    ]
    assert [p for p in live.channel.posts if p[0] == not_sampled] == []


async def test_a_guardrail_flag_sends_a_confident_proposal_to_people(live: Harness) -> None:
    request = make_request("auto-low-risk", confidence=0.99, risk_tier=RiskTier.LOW, flags=["pii"])
    state = await live.signoff.submit(request)
    assert state.status is Status.PENDING
    assert state.route_reason == "guardrail flag raised: pii"


async def test_an_edit_approves_the_edited_output_and_keeps_the_original(
    live: Harness, store: Store
) -> None:
    request = make_request(
        "first-lead", proposal=Proposal(text="Refund $120.", payload={"amount": 120})
    )
    await live.signoff.submit(request)

    await live.signoff.perform(
        request.id, "edit", "bob", edited_text="Refund $80.", edited_payload={"amount": 80}
    )

    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.status is Status.APPROVED_WITH_EDITS and outcome.approved
    assert (outcome.final_text, outcome.final_payload) == ("Refund $80.", {"amount": 80})
    assert (outcome.original_text, outcome.original_payload) == ("Refund $120.", {"amount": 120})
    edited = [e for e in await store.events(request.id) if e.kind.value == "edited"]
    assert edited[0].data["original"]["text"] == "Refund $120."


async def test_a_rejection_needs_a_reason_and_carries_it_to_the_application(
    live: Harness,
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused, match="A reason is required to reject"):
        await live.signoff.perform(request.id, "reject", "alice")
    await live.signoff.perform(request.id, "reject", "alice", reason="Parcel was insured")

    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.status is Status.REJECTED and not outcome.approved
    assert outcome.reason == "Parcel was insured"


async def test_requesting_changes_ends_the_round_with_the_instructions(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    await live.signoff.perform(
        request.id, "request_changes", "bob", reason="Offer store credit instead"
    )

    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.status is Status.CHANGES_REQUESTED
    assert outcome.reason == "Offer store credit instead"


async def test_the_requester_can_cancel_a_pending_decision(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    await live.signoff.perform(request.id, "cancel", "rita", reason="Customer withdrew")

    assert (await live.signoff.wait_outcome(request.id)).status is Status.CANCELLED


async def test_a_manager_overrides_a_pending_decision_with_a_reason(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    await live.signoff.perform(
        request.id, "override", "dave", verdict="approve", reason="Known VIP customer"
    )

    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.status is Status.OVERRIDDEN and outcome.approved
    assert outcome.overrides[0].actor == "dave"


async def test_the_requester_cannot_sign_off_their_own_decision(live: Harness) -> None:
    request = make_request("first-lead", requester="alice")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.perform(request.id, "approve", "alice")

    assert refused.value.code == "separation_of_duties"
    assert (await live.signoff.state(request.id)).status is Status.PENDING


async def test_a_policy_without_edits_refuses_an_edit(live: Harness) -> None:
    request = make_request("no-edits")
    await live.signoff.submit(request)
    with pytest.raises(ActionRefused, match="does not allow edits"):
        await live.signoff.perform(request.id, "edit", "alice", edited_text="x")


async def test_a_click_on_an_out_of_date_card_is_refused(live: Harness) -> None:
    request = make_request("analysts-2-of-3")
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "escalate", "alice", reason="needs committee")

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.perform(request.id, "approve", "dave", seen_stage=0)

    assert refused.value.code == "stale_card"
    assert "now at stage 'committee'" in refused.value.message


async def test_a_delegate_takes_the_seat_and_can_decide(live: Harness) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    await live.signoff.perform(request.id, "delegate", "alice", delegate_to="quinn")
    state = await live.signoff.state(request.id)
    assert state.stage is not None and state.stage.asked == ["quinn", "bob"]
    with pytest.raises(ActionRefused):
        await live.signoff.perform(request.id, "approve", "alice")
    await live.signoff.perform(request.id, "approve", "quinn")

    assert (await live.signoff.wait_outcome(request.id)).decided_by == ["quinn"]

    async def notified() -> list[Notice]:
        return live.channel.notices_for(request.id, "assignment")

    assert (await eventually(notified))[0].recipients == ["quinn"]  # via the card outbox
