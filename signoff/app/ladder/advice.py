"""What the evidence says about moving a policy up the ladder, and whether it may be
proposed: Learn-then-Test's threshold and every gate (:mod:`signoff.core.learning.gates`).

Advice is about the routing in force (the latest routing version applied to the policy
file), and names that version: a proposal made from it is applied only if nothing moved
the policy since.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from signoff.adapters.store import Store
from signoff.app.ladder.drift_gate import AlarmReader, open_drift_alarms
from signoff.core.learning.gates import Gate, check_gates
from signoff.core.learning.threshold import ThresholdAdvice, recommend_threshold
from signoff.core.models import AutonomyLevel, ReviewPolicy
from signoff.core.models.routing import RoutingChange


class PolicyAdvice(BaseModel):
    policy: str
    in_force: ReviewPolicy
    expected: int
    """The routing version the evidence was read under (0: the policy file's own)."""
    threshold: ThresholdAdvice
    tau: float | None
    """The threshold the proposal would leave in force, which the gates judge."""
    change: RoutingChange | None
    """What would be proposed; None when it would change nothing."""
    gates: list[Gate]
    label_sources: dict[str, int]

    @property
    def failed(self) -> Gate | None:
        return next((g for g in self.gates if not g.passed), None)

    @property
    def key(self) -> str:
        """Names the proposal: the same advice on the same version proposes once."""
        assert self.change is not None
        if self.change.autonomy is not None:
            return f"rung-r{self.expected}-{self.change.autonomy.value}"
        return f"ltt-r{self.expected}-t{round((self.tau or 0) * 100)}"


async def in_force(store: Store, policy: ReviewPolicy) -> tuple[ReviewPolicy, int]:
    """``policy`` as its latest routing version routes, and that version's number."""
    routing = await store.routing(policy.name)
    if routing is None:
        return policy, 0
    return routing.change.applied_to(policy), routing.version


async def advise(
    store: Store,
    policy: ReviewPolicy,
    *,
    alpha: float,
    delta: float,
    since: datetime | None,
    autonomy: AutonomyLevel | None = None,
    minimum_labels: int,
    minimum_group: int,
    alarms: AlarmReader = open_drift_alarms,
) -> PolicyAdvice:
    """The advice for ``policy``: a lower threshold, or with ``autonomy`` the move to
    that rung at the threshold in force (0 for ``autonomous``, which ignores it).

    Raises:
        ValueError: ``autonomy`` is not above the rung in force.
    """
    current, expected = await in_force(store, policy)
    if autonomy is not None and autonomy.rank <= current.autonomy.rank:
        raise ValueError(
            f"{policy.name!r} is at {current.autonomy.value} already; --autonomy must be a"
            " higher rung"
        )
    samples = await store.ladder_samples(
        policy.name, since=since, qa_sample_rate=current.qa_sample_rate
    )
    threshold = recommend_threshold([s.decision for s in samples], alpha=alpha, delta=delta)
    if autonomy is not None:
        rung_tau = current.auto_approve.min_confidence
        tau: float | None = 0.0 if autonomy is AutonomyLevel.AUTONOMOUS else rung_tau
        change: RoutingChange | None = RoutingChange(autonomy=autonomy)
    else:
        tau = threshold.threshold
        unchanged = tau is None or tau == current.auto_approve.min_confidence
        change = None if unchanged else RoutingChange(min_confidence=tau)
    drift = await alarms(store, sorted({s.use_case for s in samples}))
    gates = check_gates(
        samples,
        threshold,
        tau=tau,
        minimum_labels=minimum_labels,
        minimum_group=minimum_group,
        drift_alarms=drift,
    )
    return PolicyAdvice(
        policy=policy.name,
        in_force=current,
        expected=expected,
        threshold=threshold,
        tau=tau,
        change=change,
        gates=gates,
        label_sources=dict(Counter(s.source.value for s in samples)),
    )
