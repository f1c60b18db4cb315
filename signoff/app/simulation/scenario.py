"""What a simulation injects: the truth the metrics must recover.

Every number here is known to the simulation and unknown to Signoff: the model's
confidence runs ahead of its accuracy by ``overconfidence``, one segment is right less
often by ``segment.accuracy_gap``, a drift starts on ``drift.day``, reviewers slip at
``reviewer_error`` and experts at ``expert_error`` (so two of them disagree at
``2e(1-e)``). A scenario is plain data, validated once; the same scenario and seed give
the same population, decision for decision.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signoff.core.models import RiskTier

Share = float


class SegmentBias(BaseModel):
    """A segment the model treats worse: decisions of ``worse`` are right less often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: str = Field(default="region", min_length=1, max_length=100)
    better: str = Field(default="north", min_length=1, max_length=100)
    worse: str = Field(default="south", min_length=1, max_length=100)
    share: Share = Field(default=0.5, gt=0.0, lt=1.0)
    """The share of decisions in the worse segment."""
    accuracy_gap: float = Field(default=0.25, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _two_groups(self) -> SegmentBias:
        if self.better == self.worse:
            raise ValueError("the segment's two groups need two names")
        return self


class Drift(BaseModel):
    """From the first decision of ``day`` on, the model moves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: int = Field(ge=1)
    """The first day (counted from 0) the drift applies to: day 0 is never drifted, so
    there is always a reference to compare with."""
    accuracy_drop: float = Field(default=0.0, ge=0.0, le=1.0)
    """Subtracted from each decision's chance of being right."""
    confidence_shift: float = Field(default=0.0, ge=-1.0, le=1.0)
    """Added to each confidence (then kept within [0, 1])."""


class Scenario(BaseModel):
    """A population of decisions with a known truth, and the people around it.

    Args:
        seed: The population, the people's slips and every other draw follow from it.
        decisions: How many decisions.
        days: Over how many simulated days they are spread, evenly and in order.
        confidence: The model's confidence is uniform on this range (before a drift).
        overconfidence: The chance that a decision is right is its confidence minus this.
        reviewer_error: How often a reviewer's verdict goes against the truth, and a
            thumb too.
        edit_share: Of a reviewer's departures from the proposal, the share that are edits
            rather than rejections.
        expert_share: The share of decisions two experts label.
        expert_error: How often an expert's label is wrong (independently of the other).
        thumbs_share: The share of decided decisions someone gives a thumb.
        outcome_share: The share of decisions whose real-world outcome is reported.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 1
    decisions: int = Field(default=200, ge=1, le=100_000)
    days: int = Field(default=10, ge=1, le=3_650)
    confidence: tuple[float, float] = (0.6, 1.0)
    overconfidence: float = Field(default=0.15, ge=-1.0, le=1.0)
    segment: SegmentBias | None = SegmentBias()
    drift: Drift | None = None
    reviewer_error: Share = Field(default=0.1, ge=0.0, le=0.5)
    edit_share: Share = Field(default=0.3, ge=0.0, le=1.0)
    expert_share: Share = Field(default=1.0, ge=0.0, le=1.0)
    expert_error: Share = Field(default=0.1, ge=0.0, le=0.5)
    thumbs_share: Share = Field(default=0.5, ge=0.0, le=1.0)
    outcome_share: Share = Field(default=1.0, ge=0.0, le=1.0)
    risk_tier: RiskTier = RiskTier.LOW
    model_version: str = Field(default="sim-1", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        low, high = self.confidence
        if not 0.0 <= low < high <= 1.0:
            raise ValueError("confidence must be a range within [0, 1], its low end first")
        if self.days > self.decisions:
            raise ValueError("there must be at least one decision a day")
        if self.drift is not None and self.drift.day >= self.days:
            raise ValueError(f"the drift's day must be one of days 1 to {self.days - 1}")
        return self

    @property
    def per_day(self) -> float:
        return self.decisions / self.days

    def day_of(self, index: int) -> int:
        """The simulated day of the decision at ``index``: days hold equal shares."""
        return index * self.days // self.decisions

    @property
    def drift_onset(self) -> int | None:
        """The index of the first drifted decision."""
        if self.drift is None:
            return None
        return next(i for i in range(self.decisions) if self.day_of(i) >= self.drift.day)

    @property
    def expert_disagreement(self) -> float:
        """The rate at which two experts disagree: one is wrong and the other is not."""
        return 2 * self.expert_error * (1 - self.expert_error)
