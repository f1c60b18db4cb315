"""Many people clicking at once: the quorum decides exactly once, and a repeated
action is applied once."""

from __future__ import annotations

import asyncio

import pytest

from signoff import ActionRefused, ActionResult, Status
from signoff.adapters.store import Store
from tests.conftest import Harness, make_request

CROWD = [f"p{i:02d}" for i in range(1, 21)]


async def _everyone_approves(live: Harness, decision_id: str) -> list[ActionResult | Exception]:
    return await asyncio.gather(
        *(live.signoff.perform(decision_id, "approve", who) for who in CROWD),
        return_exceptions=True,
    )


async def test_twenty_simultaneous_approvals_under_first_response_decide_once(
    live: Harness, store: Store
) -> None:
    request = make_request("crowd-first")
    await live.signoff.submit(request)

    results = await _everyone_approves(live, request.id)

    applied = [r for r in results if isinstance(r, ActionResult)]
    refused = [r for r in results if isinstance(r, ActionRefused)]
    assert len(applied) == 1 and len(refused) == 19
    assert {r.code for r in refused} == {"already_final"}
    winner = CROWD[results.index(applied[0])]
    assert (await live.signoff.wait_outcome(request.id)).decided_by == [winner]
    kinds = [e.kind.value for e in await store.events(request.id)]
    assert kinds.count("finalized") == 1 and kinds.count("voted") == 1


async def test_under_all_the_decision_waits_for_every_approval(live: Harness) -> None:
    request = make_request("crowd-all")
    await live.signoff.submit(request)

    await asyncio.gather(*(live.signoff.perform(request.id, "approve", w) for w in CROWD[:-1]))
    assert (await live.signoff.state(request.id)).status is Status.PENDING
    await live.signoff.perform(request.id, "approve", CROWD[-1])

    outcome = await live.signoff.wait_outcome(request.id)
    assert outcome.status is Status.APPROVED and sorted(outcome.decided_by) == CROWD


async def test_n_of_m_decides_exactly_at_the_nth_of_simultaneous_votes(
    live: Harness, store: Store
) -> None:
    request = make_request("crowd-5-of-20")
    await live.signoff.submit(request)

    results = await _everyone_approves(live, request.id)

    assert sum(isinstance(r, ActionResult) for r in results) == 5
    outcome = await live.signoff.wait_outcome(request.id)
    assert len(outcome.decided_by) == 5
    votes = [e for e in await store.events(request.id) if e.kind.value == "voted"]
    assert len(votes) == 5


async def test_n_of_m_stays_pending_until_the_nth_vote(live: Harness) -> None:
    request = make_request("analysts-2-of-3")
    await live.signoff.submit(request)

    first = await live.signoff.perform(request.id, "approve", "alice")
    assert first.status == "pending" and "waiting on bob, carol" in first.message
    second = await live.signoff.perform(request.id, "approve", "carol")
    assert second.status == "approved"


async def test_the_same_action_sent_twice_is_applied_once(live: Harness, store: Store) -> None:
    request = make_request("crowd-all")
    await live.signoff.submit(request)

    first = await live.signoff.perform(request.id, "approve", "p01", action_id="click-1")
    again = await live.signoff.perform(request.id, "approve", "p01", action_id="click-1")
    other_click = await live.signoff.perform(request.id, "approve", "p01", action_id="click-2")

    assert first.applied and not other_click.applied
    assert again.action_id == "click-1"
    votes = [e for e in await store.events(request.id) if e.kind.value == "voted"]
    assert len(votes) == 1


async def test_changing_a_cast_vote_is_refused(live: Harness) -> None:
    request = make_request("crowd-all")
    await live.signoff.submit(request)
    await live.signoff.perform(request.id, "approve", "p01")
    with pytest.raises(ActionRefused, match="already voted to approve"):
        await live.signoff.perform(request.id, "reject", "p01", reason="changed my mind")
