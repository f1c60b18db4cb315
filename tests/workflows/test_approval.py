"""The everyday path: a decision is submitted, routed, shown, approved and audited."""

from __future__ import annotations

import pytest

from adapters.store import Store
from signoff import ActionRefused, InvalidPolicyError, Status
from tests.conftest import Harness, make_request


async def test_an_approval_finalizes_the_decision_audits_it_and_redraws_the_card(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    state = await live.signoff.submit(request)
    assert state.status is Status.PENDING
    assert state.stage is not None and state.stage.asked == ["alice", "bob"]

    result = await live.signoff.perform(request.id, "approve", "alice", seen_stage=0)

    assert result.applied and result.status == "approved"
    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.approved and outcome.decided_by == ["alice"]
    assert outcome.final_text == "Refund $120 to the customer's card."
    kinds = [e.kind.value for e in await store.events(request.id)]
    assert kinds[:4] == ["submitted", "routed", "stage_started", "voted"]
    assert "finalized" in kinds
    summary = (await store.query_decisions(status="approved", use_case="refunds"))
    assert request.id in [s.decision_id for s in summary]


async def test_submitting_the_same_id_twice_starts_one_decision(live: Harness) -> None:
    request = make_request("first-lead")
    first = await live.signoff.submit(request)
    second = await live.signoff.submit(request)
    assert first.decision_id == second.decision_id
    assert second.version >= first.version


async def test_an_unknown_policy_fails_submission_with_the_known_names(live: Harness) -> None:
    with pytest.raises(InvalidPolicyError, match="unknown policy 'nope'; known policies"):
        await live.signoff.submit(make_request("nope"))


async def test_an_approver_outside_the_stage_is_refused_and_the_refusal_is_audited(
    live: Harness, store: Store
) -> None:
    request = make_request("first-lead")
    await live.signoff.submit(request)

    with pytest.raises(ActionRefused) as refused:
        await live.signoff.perform(request.id, "approve", "carol")

    assert refused.value.code == "not_asked"
    assert "asked: alice, bob" in refused.value.message
    events = await _eventually(store, request.id, "refused")
    assert events[-1].actor == "carol" and events[-1].data["code"] == "not_asked"
    assert (await live.signoff.state(request.id)).status is Status.PENDING


async def _eventually(store: Store, decision_id: str, kind: str) -> list:
    import asyncio

    for _ in range(100):
        events = [e for e in await store.events(decision_id) if e.kind.value == kind]
        if events:
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"no '{kind}' event for {decision_id}")
