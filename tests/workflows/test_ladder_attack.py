"""Adversarial specs for the autonomy ladder: racing proposals under one key start one
policy-change workflow and one decision; racing approvals of proposals under different
keys leave contiguous routing versions, never two applied from the same ``expected``."""

from __future__ import annotations

import asyncio

from signoff.adapters.store import Store
from signoff.client.ladder import propose_change
from signoff.core.contract import POLICY_CHANGE_WORKFLOW, workflow_id_for
from signoff.core.models import AutonomyLevel
from signoff.core.models.routing import PolicyChangeProposal, RoutingChange
from tests.conftest import Harness
from tests.helpers.decisions import asked
from tests.helpers.waiting import eventually


async def runs(live: Harness, query: str) -> list[str]:
    return [e.run_id or "" async for e in live.client.list_workflows(query)]


async def test_twenty_racing_proposals_under_one_key_start_one_workflow_and_one_decision(
    live: Harness, store: Store
) -> None:
    proposals = [
        PolicyChangeProposal(
            policy="ladder-operator-proposes",
            change=RoutingChange(min_confidence=0.9 + i / 1000),
            reason="Learn-then-Test: error <= 5% at 0.9, n = 812.",
            requester="rita",
            expected=0,
            key="same-key",
        )
        for i in range(20)
    ]
    handles = await asyncio.gather(*(propose_change(live.signoff, p) for p in proposals))
    decision_id = proposals[0].decision_id
    assert {h.id for h in handles} == {proposals[0].workflow_id}
    assert await eventually(lambda: asked(live, decision_id)) == ["dave"]

    proposal_q = f"WorkflowType = '{POLICY_CHANGE_WORKFLOW}' AND TaskQueue = '{live.task_queue}'"
    decision_q = f"WorkflowId = '{workflow_id_for(decision_id)}'"

    async def listed() -> tuple[list[str], list[str]] | None:
        p, d = await runs(live, proposal_q), await runs(live, decision_q)
        return (p, d) if p and d else None

    proposal_runs, decision_runs = await eventually(listed)
    await asyncio.sleep(1.0)  # visibility lag: let any second run show up
    proposal_runs, decision_runs = await runs(live, proposal_q), await runs(live, decision_q)
    assert len(proposal_runs) == 1, proposal_runs
    assert len(decision_runs) == 1, decision_runs

    await live.signoff.perform(decision_id, "approve", "dave", seen_stage=0)
    results = await asyncio.gather(*(h.result() for h in handles))
    assert len({r.model_dump_json() for r in results}) == 1
    history = await store.routing_history("ladder-operator-proposes")
    assert [v.version for v in history] == [1]

    # Proposed again once settled: the settled one answers, nothing new runs.
    again = await asyncio.gather(*(propose_change(live.signoff, p) for p in proposals[:5]))
    assert {(await h.result()).model_dump_json() for h in again} == {results[0].model_dump_json()}
    await asyncio.sleep(1.0)
    assert len(await runs(live, proposal_q)) == 1
    assert len(await runs(live, decision_q)) == 1
    assert [v.version for v in await store.routing_history("ladder-operator-proposes")] == [1]


async def test_twenty_racing_approvals_of_different_keys_leave_contiguous_versions(
    live: Harness, store: Store
) -> None:
    policy = "ladder-race-keys"
    proposals = [
        PolicyChangeProposal(
            policy=policy,
            change=RoutingChange(
                min_confidence=0.8 + i / 100,
                autonomy=AutonomyLevel.SUGGEST if i % 2 else AutonomyLevel.AUTO_LOW_RISK,
            ),
            reason=f"Proposal {i}.",
            requester="rita",
            expected=i % 5,
            key=f"race-{i}",
        )
        for i in range(20)
    ]
    handles = await asyncio.gather(*(propose_change(live.signoff, p) for p in proposals))
    assert len({h.id for h in handles}) == 20
    await asyncio.gather(
        *(eventually(lambda p=p: asked(live, p.decision_id), 30) for p in proposals)
    )
    await asyncio.gather(
        *(live.signoff.perform(p.decision_id, "approve", "dave", seen_stage=0) for p in proposals)
    )
    results = await asyncio.gather(*(h.result() for h in handles))

    assert all(r.approved for r in results)
    applied = [(p, r) for p, r in zip(proposals, results, strict=True) if not r.stale]
    history = await store.routing_history(policy)
    versions = [v.version for v in history]
    assert versions == list(range(1, len(versions) + 1)), versions
    assert len(applied) == len(history), (len(applied), versions)
    assert len(applied) >= 1
    # Each applied proposal went from its own ``expected`` to the next version.
    froms = [p.expected for p, _ in applied]
    assert len(froms) == len(set(froms)), f"two applied from one expected: {froms}"
    for p, r in applied:
        assert r.version is not None and r.version.version == p.expected + 1
    for p, r in applied:
        assert history[r.version.version - 1].decided_by == p.decision_id
    for _p, r in zip(proposals, results, strict=True):
        if r.stale:
            assert r.version is None
