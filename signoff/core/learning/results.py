"""What an evaluation reports: pydantic models, so the CLI, the HTML report and (later)
the API render one shape. Every rate carries its Wilson interval and its label source."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from signoff.core.learning.agreement import Agreement
from signoff.core.learning.calibration import Calibration
from signoff.core.learning.fairness import SegmentGap
from signoff.core.learning.intervals import Rate
from signoff.core.learning.latency import Percentiles


class Routing(BaseModel):
    decisions: int
    automation_rate: Rate
    review_rate: Rate
    qa_sample_rate: Rate
    """Of the automatic approvals, the share sampled for after-the-fact review."""


class PeopleVsAI(BaseModel):
    """What people did with the AI's proposal, over decisions a person gave a verdict on.

    An *override* here is any departure from the proposal: a rejection, an edit, a
    request for changes, or a manager's override to reject. Its precision is the share of
    departures where settled truth says the AI was wrong; its recall, the share of the
    AI's wrong proposals that people departed from. Over-reliance: the AI was wrong and
    people let it stand; under-reliance: it was right and people departed from it.
    """

    verdicts: int
    approved_unchanged: Rate
    edit_rate: Rate
    edit_size: Percentiles
    """Normalised edit distance (0..1) between the AI's output and the approved edit."""
    rejection_rate: Rate
    changes_requested_rate: Rate
    manager_override_rate: Rate
    """Decisions a manager overrode, of all decided ones."""
    override_rate: Rate
    override_precision: Rate
    override_recall: Rate
    over_reliance: Rate
    under_reliance: Rate


class Quality(BaseModel):
    accuracy: Rate
    """How often the AI was right, over decisions with settled truth."""
    qa_precision: Rate
    """How often a QA-sampled automatic approval was right (settled truth, else the QA
    reviewers' thumbs)."""


class FeedbackMetrics(BaseModel):
    thumbs_up_rate: Rate
    coverage: Rate
    """Decided decisions with any thumb or correction."""


class Timing(BaseModel):
    time_to_decision: Percentiles
    waiting: Percentiles
    """Submission to the first person acting on it (reviewed decisions)."""
    handling: Percentiles
    """The first person acting to the decision."""
    sla_breaches: Rate
    escalations: Rate
    escalation_count: int


class MetricSet(BaseModel):
    decisions: int
    routing: Routing
    people: PeopleVsAI
    quality: Quality
    calibration: Calibration
    feedback: FeedbackMetrics
    timing: Timing


class CohortKey(BaseModel):
    use_case: str
    model_version: str
    prompt_version: str
    policy: str
    policy_version: str

    def label(self) -> str:
        prompt = f" prompt {self.prompt_version}" if self.prompt_version else ""
        return f"{self.use_case} · {self.model_version}{prompt} · {self.policy}"


class WindowMetrics(BaseModel):
    start: datetime
    end: datetime
    metrics: MetricSet


class ReviewerAccuracy(BaseModel):
    reviewer: str
    accuracy: Rate


class RiskCoveragePoint(BaseModel):
    threshold: float
    coverage: float
    accuracy: Rate


class CohortReport(BaseModel):
    key: CohortKey
    metrics: MetricSet
    windows: list[WindowMetrics]
    segments: dict[str, dict[str, MetricSet]]
    fairness: list[SegmentGap]
    agreement: Agreement
    reviewers: list[ReviewerAccuracy]
    risk_coverage: list[RiskCoveragePoint]


class EvaluationFilters(BaseModel):
    use_case: str | None = None
    model_version: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    window: timedelta = timedelta(days=1)
    minimum_group: int = 30


class Evaluation(BaseModel):
    filters: EvaluationFilters
    generated_at: datetime
    decisions: int
    label_sources: dict[str, int] = Field(default_factory=dict)
    """How many decisions each source of truth labelled."""
    cohorts: list[CohortReport]
