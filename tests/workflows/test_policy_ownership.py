"""Policies belong to the operators, end to end: a submitter cannot bring a policy that
bypasses review, and the audit records which policy version decided."""

from __future__ import annotations

import pytest

from signoff import InvalidPolicyError, Status
from signoff.adapters.store import Store
from signoff.core.models import AuditKind, AutonomyLevel, ReviewPolicy, Stage
from tests.conftest import Harness, make_request

BYPASS = ReviewPolicy(
    name="let-it-through",
    autonomy=AutonomyLevel.AUTONOMOUS,
    separation_of_duties=True,
    stages=[Stage(name="leads", approvers=["group:leads"])],
)


async def test_an_inline_policy_that_skips_review_from_a_requester_who_is_no_policy_author_is_refused(  # noqa: E501
    live: Harness, store: Store
) -> None:
    request = make_request(BYPASS, requester="quinn", confidence=0.99)

    with pytest.raises(InvalidPolicyError, match="policy_author role, which 'quinn' does not"):
        await live.signoff.submit(request)

    assert [e.kind for e in await store.events(request.id)] == []


async def test_a_policy_authors_inline_policy_runs_and_the_audit_names_its_version(
    live: Harness, store: Store
) -> None:
    mine = BYPASS.model_copy(update={"autonomy": AutonomyLevel.SUGGEST})
    request = make_request(mine, requester="rita")

    state = await live.signoff.submit(request)

    assert state.status is Status.PENDING
    submitted = next(e for e in await store.events(request.id) if e.kind is AuditKind.SUBMITTED)
    assert submitted.data["plan"]["policy_version"] == state.plan.policy_version
    assert state.plan.policy_version.startswith("inline:")


async def test_a_catalog_policy_is_recorded_with_its_version(live: Harness) -> None:
    state = await live.signoff.submit(make_request("first-lead"))

    assert state.plan.policy_version.startswith("catalog:")
