"""Routing: does this decision need a person, and is an automatic one sampled for QA?"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from pydantic import BaseModel

from signoff.core.models import AutonomyLevel, DecisionRequest, ReviewPolicy, RiskTier


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
    why = needs_people(
        policy, confidence=request.confidence, risk_tier=request.risk_tier, flags=request.flags
    )
    if why is not None:
        return Route(human=True, reason=why)
    sampled = qa_sampled(request.id, policy.qa_sample_rate)
    return Route(
        human=False,
        reason=f"{policy.autonomy} policy '{policy.name}' allows automatic approval",
        sampled_for_qa=sampled,
    )


def needs_people(
    policy: ReviewPolicy, *, confidence: float, risk_tier: RiskTier, flags: Collection[str]
) -> str | None:
    """Why ``policy`` sends a decision with these traits to people; None when it lets
    it be approved automatically. Also replays routing over past decisions
    (``signoff policy simulate``), which keep only these traits."""
    rule = policy.auto_approve
    blocking = sorted(set(flags) & set(rule.blocking_flags))
    if policy.autonomy is AutonomyLevel.SHADOW:
        return "shadow mode: people decide, the AI is only compared"
    if policy.autonomy is AutonomyLevel.SUGGEST:
        return "suggest mode: every proposal needs a person"
    if blocking:
        return f"guardrail flag raised: {', '.join(blocking)}"
    if policy.autonomy is AutonomyLevel.AUTO_LOW_RISK:
        if confidence < rule.min_confidence:
            return f"confidence {confidence:.2f} below {rule.min_confidence:.2f}"
        if risk_tier.rank > rule.max_risk.rank:
            return f"risk '{risk_tier}' above '{rule.max_risk}'"
    return None
