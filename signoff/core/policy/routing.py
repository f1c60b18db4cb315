"""Routing: does this decision need a person, and is an automatic one sampled for QA?"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from signoff.core.models import AutonomyLevel, DecisionRequest, ReviewPolicy


class Route(BaseModel):
    human: bool
    reason: str
    sampled_for_qa: bool = False


def qa_sampled(decision_id: str, rate: float) -> bool:
    """Deterministic per decision id, so a replayed or retried decision samples the same
    way and the share of sampled decisions converges on ``rate``."""
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(decision_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def route(request: DecisionRequest, policy: ReviewPolicy) -> Route:
    """Decide between automatic approval and human review, saying why."""
    rule = policy.auto_approve
    blocking = sorted(set(request.flags) & set(rule.blocking_flags))
    if policy.autonomy is AutonomyLevel.SHADOW:
        return Route(human=True, reason="shadow mode: people decide, the AI is only compared")
    if policy.autonomy is AutonomyLevel.SUGGEST:
        return Route(human=True, reason="suggest mode: every proposal needs a person")
    if blocking:
        return Route(human=True, reason=f"guardrail flag raised: {', '.join(blocking)}")
    if policy.autonomy is AutonomyLevel.AUTO_LOW_RISK:
        if request.confidence < rule.min_confidence:
            return Route(
                human=True,
                reason=f"confidence {request.confidence:.2f} below {rule.min_confidence:.2f}",
            )
        if request.risk_tier.rank > rule.max_risk.rank:
            return Route(
                human=True,
                reason=f"risk '{request.risk_tier}' above '{rule.max_risk}'",
            )
    sampled = qa_sampled(request.id, policy.qa_sample_rate)
    return Route(
        human=False,
        reason=f"{policy.autonomy} policy '{policy.name}' allows automatic approval",
        sampled_for_qa=sampled,
    )
