"""Learn-then-Test: the lowest auto-approve confidence tau whose error stays within alpha.

Angelopoulos, Bates, Candès, Jordan and Lei, "Learn then Test: Calibrating Predictive
Algorithms to Achieve Risk Control" (2021). Each candidate tau is a null hypothesis "the
error among decisions approved automatically at tau exceeds alpha", tested with the binary
Hoeffding-Bentkus p-value (MAPIE's implementation); the candidates are tested in a
sequence fixed before looking at the data, from the most cautious tau down (fixed-sequence
testing), and the walk stops at the first tau that cannot be rejected at delta. Every tau passed
keeps the family-wise error at delta, so with probability at least 1 - delta the tau recommended
keeps the error among automatic approvals at or below alpha.

Only labels that are a random sample of traffic count. A human-reviewed decision is
always labelled; an automatic one only when the QA sample drew it. Left as they are,
the reviewed ones would be over-represented, so the pool is thinned to one uniform
sample: each labelled decision is kept with probability ``p_min / p_i`` (``p_i`` its
chance of having been labelled), decided by a hash of its id so that the same data
always gives the same advice. (Weighting by ``1 / p_i`` instead would not fit the
binomial bound the guarantee rests on.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from mapie.risk_control.methods import compute_hoeffding_bentkus_p_value
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
"""Candidate thresholds 0.50 … 0.95, tested from the top down. A finer grid or one
reaching 0.99 starts the walk where few decisions lie, and a walk that cannot pass its
first step recommends nothing."""


class LabelledDecision(BaseModel):
    """One decision whose correctness is known, and how likely it was to be labelled."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    confidence: float = Field(ge=0.0, le=1.0)
    wrong: bool
    """The label says the AI's proposal was not right as proposed."""
    labelled_with: float = Field(default=1.0, gt=0.0, le=1.0)
    """Its chance of having been labelled: 1 when people reviewed it, the QA sample
    rate when it was approved automatically."""


class ThresholdPoint(BaseModel):
    """What approving automatically from ``threshold`` up does, on the labelled pool."""

    threshold: float
    coverage: float
    """The share of the pool that would be approved automatically."""
    approved: int
    errors: int
    error_rate: float | None
    p_value: float
    passed: bool
    """Rejected in the fixed sequence: error ≤ alpha is established for this tau."""


class ThresholdAdvice(BaseModel):
    """The recommendation, the figures behind it, and the risk-coverage curve."""

    alpha: float
    delta: float
    threshold: float | None
    """The lowest tau that passed; None when even the most cautious one did not."""
    pool: int
    """Labelled decisions used after thinning."""
    labelled: int
    """Labelled decisions offered."""
    curve: list[ThresholdPoint]

    @property
    def coverage(self) -> float:
        return next((p.coverage for p in self.curve if p.threshold == self.threshold), 0.0)


def _kept(decision: LabelledDecision, floor: float) -> bool:
    """Whether thinning keeps ``decision``: a uniform draw from its id, under its odds."""
    if decision.labelled_with <= floor:
        return True
    digest = hashlib.sha256(decision.decision_id.encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < floor / decision.labelled_with


def thinned(decisions: Sequence[LabelledDecision]) -> list[LabelledDecision]:
    """The labelled decisions that make one uniform sample of traffic."""
    if not decisions:
        return []
    floor = min(d.labelled_with for d in decisions)
    return [d for d in decisions if _kept(d, floor)]


def recommend_threshold(
    decisions: Sequence[LabelledDecision],
    *,
    alpha: float,
    delta: float,
    grid: Sequence[float] = DEFAULT_GRID,
) -> ThresholdAdvice:
    """Learn-then-Test over ``grid``; see the module's docstring."""
    if not 0 < alpha < 1 or not 0 < delta < 1:
        raise ValueError("alpha and delta must each lie strictly between 0 and 1")
    pool = thinned(decisions)
    confidence = np.array([d.confidence for d in pool], dtype=float)
    wrong = np.array([d.wrong for d in pool], dtype=bool)
    curve: list[ThresholdPoint] = []
    still_passing, threshold = True, None
    for tau in sorted(set(grid), reverse=True):
        approved = confidence >= tau
        n, errors = int(approved.sum()), int((wrong & approved).sum())
        rate = errors / n if n else None
        # No approvals, no evidence: p = 1, and the walk stops there.
        p_value = (
            float(compute_hoeffding_bentkus_p_value(np.array([rate]), n, alpha, binary=True)[0, 0])
            if n
            else 1.0
        )
        still_passing = still_passing and p_value <= delta
        if still_passing:
            threshold = tau
        curve.append(
            ThresholdPoint(
                threshold=tau,
                coverage=n / len(pool) if pool else 0.0,
                approved=n,
                errors=errors,
                error_rate=rate,
                p_value=p_value,
                passed=still_passing,
            )
        )
    curve.reverse()
    return ThresholdAdvice(
        alpha=alpha,
        delta=delta,
        threshold=threshold,
        pool=len(pool),
        labelled=len(decisions),
        curve=curve,
    )
