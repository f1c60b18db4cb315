"""The population: each decision's confidence, its chance of being right, whether it is,
and what every scripted person will do with it, all drawn before anything runs.

Drawing everything up front, in one fixed order, keeps a run deterministic whatever
order the workflows answer in: a decision's fate never depends on which ran first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from signoff.app.simulation.scenario import Scenario

Verdict = Literal["approve", "reject", "edit"]
Thumb = Literal["up", "down"]
_FLOOR, _CEILING = 0.02, 0.98
"""A chance of being right is kept off 0 and 1, so no decision's fate is certain."""
_DRAWS = 10


@dataclass(frozen=True, slots=True)
class SimulatedDecision:
    """One decision of the population and its known truth. A dataclass, not a pydantic
    model: the repeated specs draw hundreds of thousands, and pydantic still reads it as
    a field of a run."""

    index: int
    day: int
    segment: dict[str, str]
    confidence: float
    chance_right: float
    right: bool
    """The truth: whether the model's proposal is right."""
    drifted: bool
    verdict: Verdict
    """What a reviewer does if the decision reaches people."""
    reviewer_slipped: bool
    expert_says_right: tuple[bool, bool] | None
    """The two experts' labels (None: no expert labels it)."""
    thumb: Thumb | None
    outcome_reported: bool

    @property
    def experts_both_wrong(self) -> bool:
        """Both experts agree on the wrong label: the one case settled truth is wrong."""
        says = self.expert_says_right
        return says is not None and says[0] == says[1] != self.right


def generate(scenario: Scenario) -> list[SimulatedDecision]:
    """The population of ``scenario``; the same scenario always gives the same one."""
    import numpy as np

    rng = np.random.default_rng(scenario.seed)
    u = rng.random((scenario.decisions, _DRAWS))
    low, high = scenario.confidence
    drift, bias = scenario.drift, scenario.segment
    population = []
    for i, draw in enumerate(u.tolist()):
        day = scenario.day_of(i)
        drifted = drift is not None and day >= drift.day
        confidence = low + (high - low) * draw[0]
        chance = confidence - scenario.overconfidence
        segment: dict[str, str] = {}
        if bias is not None:
            worse = draw[1] < bias.share
            segment[bias.attribute] = bias.worse if worse else bias.better
            chance -= bias.accuracy_gap if worse else 0.0
        if drifted:
            assert drift is not None
            confidence = min(1.0, max(0.0, confidence + drift.confidence_shift))
            chance += drift.confidence_shift - drift.accuracy_drop
        chance = min(_CEILING, max(_FLOOR, chance))
        right = bool(draw[2] < chance)
        slipped = bool(draw[3] < scenario.reviewer_error)
        departs = "edit" if draw[4] < scenario.edit_share else "reject"
        verdict: Verdict = "approve" if right != slipped else departs
        experts = None
        if draw[5] < scenario.expert_share:
            experts = (
                right != bool(draw[6] < scenario.expert_error),
                right != bool(draw[7] < scenario.expert_error),
            )
        thumb: Thumb | None = None
        if draw[8] < scenario.thumbs_share:
            thumb = "up" if right != slipped else "down"
        population.append(
            SimulatedDecision(
                index=i,
                day=day,
                segment=segment,
                confidence=float(confidence),
                chance_right=float(chance),
                right=right,
                drifted=drifted,
                verdict=verdict,
                reviewer_slipped=slipped,
                expert_says_right=experts,
                thumb=thumb,
                outcome_reported=bool(draw[9] < scenario.outcome_share),
            )
        )
    return population
