"""A routing version sets a catalog policy's autonomy and threshold, and the plan says
which version routed; a change is reviewed by the policy's owners, never by an AI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from signoff.core.catalog import Catalog, UnknownPolicyError, change_policy
from signoff.core.models import (
    AutonomyLevel,
    Directory,
    Principal,
    ReviewPolicy,
    Role,
    Stage,
)
from signoff.core.models.routing import RoutingChange, RoutingOrigin, RoutingVersion
from tests.helpers.builders import make_request

PEOPLE = Directory(
    people=[
        Principal(id="rita", name="Rita", roles=[Role.REQUESTER]),
        Principal(id="alice", name="Alice", roles=[Role.APPROVER]),
        Principal(id="olga", name="Olga", roles=[Role.APPROVER]),
        Principal(id="mona", name="Mona", roles=[Role.MANAGER, Role.EXPERT]),
    ]
)
REFUNDS = ReviewPolicy(
    name="refunds",
    autonomy=AutonomyLevel.AUTO_LOW_RISK,
    stages=[Stage(name="leads", approvers=["alice"])],
    overriders=["role:manager"],
)
CATALOG = Catalog(policies={"refunds": REFUNDS}, directory=PEOPLE)


def version(n: int, **change: object) -> RoutingVersion:
    return RoutingVersion(
        policy="refunds",
        version=n,
        change=RoutingChange(**change),  # type: ignore[arg-type]
        origin=RoutingOrigin.CIRCUIT_BREAKER,
        reason="drift",
        at=datetime(2026, 12, 4, tzinfo=UTC),
    )


def test_a_routing_version_sets_the_autonomy_and_threshold_and_the_plan_names_it() -> None:
    request = make_request(policy="refunds", requester="rita")
    plain = CATALOG.plan(request)
    routed = CATALOG.plan(
        request, routing=version(3, autonomy=AutonomyLevel.SUGGEST, min_confidence=0.97)
    )

    assert plain.policy.autonomy is AutonomyLevel.AUTO_LOW_RISK
    assert plain.policy_version.startswith("catalog:")
    assert routed.policy.autonomy is AutonomyLevel.SUGGEST
    assert routed.policy.auto_approve.min_confidence == 0.97
    assert routed.policy.stages == REFUNDS.stages, "the file still owns stages and people"
    assert routed.policy_version.startswith("catalog+r3:")


def test_a_version_of_another_policy_does_not_route_this_one() -> None:
    other = version(1, autonomy=AutonomyLevel.SUGGEST).model_copy(update={"policy": "loans"})
    plan = CATALOG.plan(make_request(policy="refunds", requester="rita"), routing=other)
    assert plan.policy.autonomy is AutonomyLevel.AUTO_LOW_RISK
    assert "+r" not in plan.policy_version


def test_a_change_is_reviewed_by_the_owners_or_else_the_overriders_and_always_by_people() -> None:
    owned = REFUNDS.model_copy(update={"owners": ["olga"]})
    assert change_policy(owned).stages[0].approvers == ["olga"]
    review = change_policy(REFUNDS)
    assert review.stages[0].approvers == ["role:manager"]
    assert review.autonomy is AutonomyLevel.SUGGEST
    assert CATALOG.policy("policy-change.refunds") == review


def test_a_change_review_exists_only_for_policies_of_the_catalog() -> None:
    with pytest.raises(UnknownPolicyError):
        CATALOG.policy("policy-change.loans")


def test_raising_means_more_autonomy_or_a_lower_threshold() -> None:
    assert RoutingChange(autonomy=AutonomyLevel.AUTONOMOUS).raises(REFUNDS)
    assert RoutingChange(min_confidence=0.5).raises(REFUNDS)
    assert not RoutingChange(autonomy=AutonomyLevel.SUGGEST, min_confidence=0.99).raises(REFUNDS)


def test_a_change_that_moves_nothing_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="sets the autonomy, the threshold, or both"):
        RoutingChange()
