"""Policy evaluation as pure functions: routing, quorum and permissions."""

from signoff.core.policy.permissions import (
    Refusal,
    check,
    check_arrival,
    is_repeat_vote,
    needs_reason,
    people_outside_plan,
    unknown_people_refusal,
    verdict_of,
)
from signoff.core.policy.quorum import required_approvals, stage_verdict
from signoff.core.policy.routing import Route, needs_people, qa_sampled, route

__all__ = [
    "Refusal",
    "Route",
    "check",
    "check_arrival",
    "is_repeat_vote",
    "needs_people",
    "needs_reason",
    "people_outside_plan",
    "qa_sampled",
    "required_approvals",
    "route",
    "stage_verdict",
    "unknown_people_refusal",
    "verdict_of",
]
