"""Policy evaluation as pure functions: routing, quorum and permissions."""

from signoff.core.policy.permissions import Refusal, check, is_repeat_vote, needs_reason, verdict_of
from signoff.core.policy.quorum import required_approvals, stage_verdict
from signoff.core.policy.routing import Route, qa_sampled, route

__all__ = [
    "Refusal",
    "Route",
    "check",
    "is_repeat_vote",
    "needs_reason",
    "qa_sampled",
    "required_approvals",
    "route",
    "stage_verdict",
    "verdict_of",
]
