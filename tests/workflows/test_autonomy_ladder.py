"""The autonomy ladder, end to end on real Temporal and the store: the circuit breaker
demotes at once, every decision names the routing version that routed it, and going
back up takes the owners' sign-off in a policy-change decision."""

from __future__ import annotations

import asyncio

from temporalio.client import WorkflowExecutionStatus

from signoff import Status
from signoff.adapters.store import Store
from signoff.client.ladder import propose_change, trip_breaker
from signoff.core.models import AutonomyLevel, RiskTier
from signoff.core.models.routing import (
    BreakerTrip,
    PolicyChangeProposal,
    RoutingChange,
    RoutingOrigin,
)
from tests.conftest import Harness, make_request
from tests.helpers.decisions import asked
from tests.helpers.waiting import eventually


def confident(policy: str):
    return make_request(policy, confidence=0.95, risk_tier=RiskTier.LOW)


async def test_a_tripped_breaker_routes_the_next_decision_to_people_until_the_owners_restore_it(
    live: Harness, store: Store
) -> None:
    before = await live.signoff.submit(confident("ladder-trip"))
    assert before.status is Status.AUTO_APPROVED
    assert "+r" not in before.plan.policy_version

    trip = BreakerTrip(
        policy="ladder-trip",
        reason="PSI 0.31 on confidence against last month.",
        alarm="psi-1",
        requester="rita",
    )
    breaker = await trip_breaker(live.signoff, trip)
    restore_id = f"policy-change-ladder-trip-{trip.restore_key}"
    owners = await eventually(lambda: asked(live, restore_id))
    assert owners == ["dave"], "the policy's owners are asked"

    demoted = await store.routing("ladder-trip")
    assert demoted is not None and demoted.version == 1
    assert demoted.change.autonomy is AutonomyLevel.SUGGEST
    assert demoted.change.min_confidence == 0.8
    assert (demoted.origin, demoted.decided_by) == (RoutingOrigin.CIRCUIT_BREAKER, "psi-1")

    during = await live.signoff.submit(confident("ladder-trip"))
    assert during.status is Status.PENDING, "demoted: people decide"
    assert during.plan.policy_version.startswith("catalog+r1:")

    await live.signoff.perform(restore_id, "approve", "dave", seen_stage=0)
    result = await breaker.result()
    assert result is not None and result.approved and not result.stale
    assert result.version is not None and result.version.version == 2
    assert result.version.change.autonomy is AutonomyLevel.AUTO_LOW_RISK
    assert (result.version.origin, result.version.decided_by) == (
        RoutingOrigin.SIGN_OFF,
        restore_id,
    )

    after = await live.signoff.submit(confident("ladder-trip"))
    assert after.status is Status.AUTO_APPROVED
    assert after.plan.policy_version.startswith("catalog+r2:")

    again = await trip_breaker(live.signoff, trip)
    assert (await again.result()) == result, "the same alarm trips once"
    assert [v.version for v in await store.routing_history("ladder-trip")] == [1, 2]


async def test_an_approved_proposal_is_not_applied_when_the_policy_moved_since_its_evidence(
    live: Harness, store: Store
) -> None:
    def proposal(key: str, change: RoutingChange) -> PolicyChangeProposal:
        return PolicyChangeProposal(
            policy="ladder-stale",
            change=change,
            reason="Learn-then-Test: error <= 5% at 0.9 with 90% confidence, n = 812.",
            requester="rita",
            expected=0,
            key=key,
        )

    promote = proposal("promote", RoutingChange(autonomy=AutonomyLevel.AUTO_LOW_RISK))
    stricter = proposal("stricter", RoutingChange(min_confidence=0.97))
    first = await propose_change(live.signoff, promote)
    second = await propose_change(live.signoff, stricter)
    for p in (promote, stricter):
        await eventually(lambda p=p: asked(live, p.decision_id))

    await live.signoff.perform(stricter.decision_id, "approve", "dave", seen_stage=0)
    applied = await second.result()
    assert applied.version is not None and applied.version.version == 1
    await live.signoff.perform(promote.decision_id, "approve", "dave", seen_stage=0)
    stale = await first.result()

    assert stale.approved and stale.stale and stale.version is None
    history = await store.routing_history("ladder-stale")
    assert [(v.version, v.change.autonomy, v.change.min_confidence) for v in history] == [
        (1, AutonomyLevel.SUGGEST, 0.97)
    ]


async def test_a_rejected_proposal_changes_nothing(live: Harness, store: Store) -> None:
    proposal = PolicyChangeProposal(
        policy="ladder-stale",
        change=RoutingChange(min_confidence=0.5),
        reason="More automation.",
        requester="rita",
        expected=0,
        key="reckless",
    )
    before = await store.routing_history("ladder-stale")
    handle = await propose_change(live.signoff, proposal)
    await eventually(lambda: asked(live, proposal.decision_id))
    await live.signoff.perform(
        proposal.decision_id, "reject", "dave", seen_stage=0, reason="Not on this evidence."
    )
    result = await handle.result()
    assert not result.approved and result.version is None
    assert await store.routing_history("ladder-stale") == before


async def test_twenty_simultaneous_trips_demote_once(live: Harness, store: Store) -> None:
    trips = [
        BreakerTrip(
            policy="ladder-race",
            reason="Override rate spike.",
            alarm=f"spike-{i}",
            requester="rita",
        )
        for i in range(20)
    ]
    handles = await asyncio.gather(*(trip_breaker(live.signoff, t) for t in trips))

    async def settled() -> list[WorkflowExecutionStatus | None] | None:
        statuses = [(await h.describe()).status for h in handles]
        done = [s for s in statuses if s is WorkflowExecutionStatus.COMPLETED]
        return statuses if len(done) >= 19 else None

    statuses = await eventually(settled)
    history = await store.routing_history("ladder-race")
    assert [(v.version, v.change.autonomy) for v in history] == [(1, AutonomyLevel.SUGGEST)]
    running = [
        h for h, s in zip(handles, statuses, strict=True) if s is WorkflowExecutionStatus.RUNNING
    ]
    assert len(running) == 1, "one restore proposal, from the trip that demoted"
    assert history[0].decided_by == running[0].id.rsplit("/", 1)[1]
    for handle, status in zip(handles, statuses, strict=True):
        if status is WorkflowExecutionStatus.COMPLETED:
            assert await handle.result() is None
