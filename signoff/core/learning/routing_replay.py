"""What a candidate policy would have done to past decisions (``signoff policy simulate``).

Each past decision is routed again by the candidate from the traits routing reads (its
confidence, risk tier and guardrail flags). Per group (all decisions, then each value of
each segment attribute) it reports how many would have been approved automatically;
the error among them, estimated from the labelled ones that would have been automatic
(thinned to one uniform sample, as Learn-then-Test does) with a 95% Wilson interval; the
errors that would have escaped review (that rate, and its bounds, times the automatic
count); and the reviewer hours the rest would have cost at the mean handling time
measured over the window's reviewed decisions (first action to outcome).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel

from signoff.core.learning.facts import DecisionFacts
from signoff.core.learning.intervals import Rate, wilson
from signoff.core.learning.labels import Truth
from signoff.core.learning.ladder_labels import LadderSample, ladder_sample
from signoff.core.learning.threshold import thinned
from signoff.core.models import ReviewPolicy, RiskTier
from signoff.core.policy import needs_people

ALL = "all"


class ReplayedGroup(BaseModel):
    group: str
    """``all``, or ``attribute=value``."""
    decisions: int
    automatic: int
    reviewed: int
    error: Rate
    """Among the labelled decisions that would have been automatic."""
    escaped: float | None
    escaped_low: float | None
    escaped_high: float | None
    reviewer_hours: float | None
    """None when no handling time was measured."""


class Replay(BaseModel):
    policy: str
    groups: list[ReplayedGroup]
    handling_seconds: float | None


class _Group:
    def __init__(self) -> None:
        self.decisions = self.automatic = 0
        self.samples: list[LadderSample] = []

    def add(self, automatic: bool, sample: LadderSample | None) -> None:
        self.decisions += 1
        self.automatic += automatic
        if automatic and sample is not None:
            self.samples.append(sample)

    def finish(self, name: str, handling: float | None) -> ReplayedGroup:
        pool = thinned([s.decision for s in self.samples])
        error = wilson(sum(d.wrong for d in pool), len(pool))
        reviewed = self.decisions - self.automatic

        def times(x: float | None) -> float | None:
            return None if x is None else x * self.automatic

        return ReplayedGroup(
            group=name,
            decisions=self.decisions,
            automatic=self.automatic,
            reviewed=reviewed,
            error=error,
            escaped=times(error.value),
            escaped_low=times(error.low),
            escaped_high=times(error.high),
            reviewer_hours=None if handling is None else reviewed * handling / 3600,
        )


def replay_routing(
    rows: Iterable[tuple[DecisionFacts, Truth | None]],
    candidate: ReviewPolicy,
    *,
    qa_sample_rate: float | None = None,
) -> Replay:
    """Route ``rows`` again by ``candidate``; see the module's docstring.
    ``qa_sample_rate`` stands in for decisions recorded before their own was kept."""
    groups: dict[str, _Group] = defaultdict(_Group)
    handled: list[float] = []
    for facts, truth in rows:
        automatic = (
            needs_people(
                candidate,
                confidence=facts.confidence,
                risk_tier=RiskTier(facts.risk_tier),
                flags=facts.flags or [],
            )
            is None
        )
        sample = ladder_sample(facts, truth, qa_sample_rate=qa_sample_rate)
        groups[ALL].add(automatic, sample)
        for attribute, value in sorted((facts.segment or {}).items()):
            groups[f"{attribute}={value}"].add(automatic, sample)
        if facts.route == "human" and facts.first_action_at and facts.decided_at:
            handled.append((facts.decided_at - facts.first_action_at).total_seconds())
    handling = sum(handled) / len(handled) if handled else None
    names = [ALL, *sorted(n for n in groups if n != ALL)]
    return Replay(
        policy=candidate.name,
        groups=[groups[n].finish(n, handling) for n in names],
        handling_seconds=handling,
    )
