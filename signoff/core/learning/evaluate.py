"""The evaluation: decisions grouped by cohort (use case x model version x prompt
version x policy and its version), then within each cohort by time window and by every
segment attribute's value, each group's counts turned into its metrics.

The store does the counting, in the database (a million decisions never pass through
Python); this module is pure and only assembles what was counted, so the rates, the
fairness gaps and the agreement are computed the same way at any size.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from signoff.core.learning.agreement import agreement
from signoff.core.learning.fairness import segment_gap
from signoff.core.learning.intervals import Rate, wilson
from signoff.core.learning.results import (
    CohortKey,
    CohortReport,
    Evaluation,
    EvaluationFilters,
    MetricSet,
    ReviewerAccuracy,
    RiskCoveragePoint,
    WindowMetrics,
)
from signoff.core.learning.tally import Tally

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
THRESHOLDS = [i / 20 for i in range(21)]


def fairness_rates(metrics: MetricSet) -> dict[str, Rate]:
    """Every rate of a metric set by name, as segment gaps compare them."""
    groups = {
        "routing": metrics.routing,
        "people": metrics.people,
        "quality": metrics.quality,
        "feedback": metrics.feedback,
        "timing": metrics.timing,
    }
    return {
        f"{group}.{name}": value
        for group, model in groups.items()
        for name, value in model
        if isinstance(value, Rate)
    }


def origin(filters: EvaluationFilters) -> datetime:
    """Where window 0 starts: windows are ``filters.window`` long from here."""
    return filters.since or EPOCH


@dataclass
class CohortCounts:
    """Everything counted for one cohort: the whole, each window (by its index from
    :func:`origin`), each segment attribute's values, the experts' labels of decisions
    two or more of them labelled, each reviewer's (right, total) against settled truth,
    and the labelled decisions under each threshold."""

    key: CohortKey
    overall: Tally
    windows: dict[int, Tally] = field(default_factory=dict)
    segments: dict[str, dict[str, Tally]] = field(default_factory=dict)
    expert_labels: list[dict[str, str]] = field(default_factory=list)
    reviewers: dict[str, tuple[int, int]] = field(default_factory=dict)
    thresholds: ThresholdCounts = field(default_factory=lambda: ThresholdCounts())


def evaluation(
    filters: EvaluationFilters,
    cohorts: Iterable[CohortCounts],
    *,
    label_sources: Mapping[str, int],
    now: datetime | None = None,
) -> Evaluation:
    """The :class:`Evaluation` of what the store counted."""
    reports = [_report(filters, c) for c in sorted(cohorts, key=lambda c: _order(c.key))]
    return Evaluation(
        filters=filters,
        generated_at=now or datetime.now(UTC),
        decisions=sum(r.metrics.decisions for r in reports),
        label_sources=dict(label_sources),
        cohorts=reports,
    )


def _order(key: CohortKey) -> tuple[str, ...]:
    return (key.use_case, key.model_version, key.prompt_version, key.policy, key.policy_version)


def _report(filters: EvaluationFilters, cohort: CohortCounts) -> CohortReport:
    size: timedelta = filters.window
    start = origin(filters)
    segments = {
        attribute: {value: tally.finish() for value, tally in sorted(values.items())}
        for attribute, values in sorted(cohort.segments.items())
    }
    fairness = []
    for attribute, values in segments.items():
        by_metric: dict[str, dict[str, Rate]] = defaultdict(dict)
        for value, metrics in values.items():
            for name, rate in fairness_rates(metrics).items():
                by_metric[name][value] = rate
        for name, groups in by_metric.items():
            fairness.append(
                segment_gap(attribute, name, groups, minimum_group=filters.minimum_group)
            )
    return CohortReport(
        key=cohort.key,
        metrics=cohort.overall.finish(),
        windows=[
            WindowMetrics(start=start + size * w, end=start + size * (w + 1), metrics=t.finish())
            for w, t in sorted(cohort.windows.items())
        ],
        segments=segments,
        fairness=fairness,
        agreement=agreement(cohort.expert_labels),
        reviewers=[
            ReviewerAccuracy(reviewer=r, accuracy=wilson(k, n, label_source="settled truth"))
            for r, (k, n) in sorted(cohort.reviewers.items())
        ],
        risk_coverage=cohort.thresholds.finish(),
    )


class ThresholdCounts:
    """Labelled decisions counted under the highest threshold τ their confidence reaches
    (and how many of them were right): the risk-coverage curve from 21 pairs of counts,
    not from every labelled confidence."""

    __slots__ = ("counts", "right", "total")

    def __init__(self) -> None:
        self.total = 0
        self.counts = [0] * len(THRESHOLDS)
        self.right = [0] * len(THRESHOLDS)

    @classmethod
    def of(cls, total: int, counts: Sequence[int], right: Sequence[int]) -> ThresholdCounts:
        """Counts made elsewhere: ``counts[i]`` labelled decisions (``right[i]`` of them
        right) whose highest threshold reached is ``THRESHOLDS[i]``, of ``total``."""
        made = cls()
        made.total, made.counts, made.right = total, list(counts), list(right)
        return made

    def merged(self, other: ThresholdCounts) -> ThresholdCounts:
        """These counts and ``other``'s together."""
        return ThresholdCounts.of(
            self.total + other.total,
            [a + b for a, b in zip(self.counts, other.counts, strict=True)],
            [a + b for a, b in zip(self.right, other.right, strict=True)],
        )

    def add(self, confidence: float, right: bool) -> None:
        self.total += 1
        i = bisect_right(THRESHOLDS, confidence) - 1
        if i >= 0:
            self.counts[i] += 1
            self.right[i] += right

    def finish(self) -> list[RiskCoveragePoint]:
        """For each auto-approve threshold τ: the share of labelled decisions at or above
        τ (what automation would cover) and how often the AI was right among them."""
        points = []
        chosen = right = 0
        for i in reversed(range(len(THRESHOLDS))):
            chosen += self.counts[i]
            right += self.right[i]
            points.append(
                RiskCoveragePoint(
                    threshold=THRESHOLDS[i],
                    coverage=chosen / self.total if self.total else 0.0,
                    accuracy=wilson(right, chosen, label_source="settled truth"),
                )
            )
        return points[::-1]


def risk_coverage(confidence: list[float], correct: list[bool]) -> list[RiskCoveragePoint]:
    """The risk-coverage curve of labelled decisions (:class:`ThresholdCounts`)."""
    counts = ThresholdCounts()
    for conf, right in zip(confidence, correct, strict=True):
        counts.add(conf, right)
    return counts.finish()
