"""The evaluation: decisions stream in (with their settled truth), grouped by cohort
(use case x model version x prompt version x policy and its version), then within each
cohort by time window and by every segment attribute's value.

Pure: the store's reader pages decisions in; this module never touches I/O, so the same
code evaluates a test's handful of decisions and a million-row table.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from signoff.core.learning.agreement import agreement
from signoff.core.learning.facts import FactsView
from signoff.core.learning.fairness import segment_gap
from signoff.core.learning.intervals import Rate, wilson
from signoff.core.learning.labels import Truth, ai_was_right
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


class _Cohort:
    def __init__(self, key: CohortKey) -> None:
        self.key = key
        self.overall = Tally()
        self.windows: dict[int, Tally] = defaultdict(Tally)
        self.segments: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
        self.expert_labels: list[dict[str, str]] = []
        self.reviewers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.thresholds = ThresholdCounts()

    def add(self, facts: FactsView, truth: Truth | None, window: int) -> None:
        self.overall.add(facts, truth)
        self.windows[window].add(facts, truth)
        for attribute, value in facts.segment.items():
            self.segments[attribute][value].add(facts, truth)
        if len(facts.expert_labels) >= 2:
            self.expert_labels.append(facts.expert_labels)
        right = None if truth is None else ai_was_right(truth.label, facts.predicted_label)
        if right is None:
            return
        self.thresholds.add(facts.confidence, right)
        for reviewer, verdict in facts.votes:
            tally = self.reviewers[reviewer]
            tally[0] += (verdict == "approve") == right
            tally[1] += 1


class Evaluator:
    """Feed decisions with :meth:`add`, then :meth:`finish` for the :class:`Evaluation`."""

    def __init__(self, filters: EvaluationFilters) -> None:
        self.filters = filters
        self.origin = filters.since or EPOCH
        self.cohorts: dict[tuple[str, ...], _Cohort] = {}
        self.sources: dict[str, int] = defaultdict(int)
        self.count = 0

    def add(self, facts: FactsView, truth: Truth | None) -> None:
        self.count += 1
        if truth is not None:
            self.sources[truth.source] += 1
        key = (
            facts.use_case,
            facts.model_version,
            facts.prompt_version,
            facts.policy_name,
            facts.policy_version,
        )
        cohort = self.cohorts.get(key)
        if cohort is None:
            names = ("use_case", "model_version", "prompt_version", "policy", "policy_version")
            cohort = self.cohorts[key] = _Cohort(CohortKey(**dict(zip(names, key, strict=True))))
        window = (facts.submitted_at - self.origin) // self.filters.window
        cohort.add(facts, truth, window)

    def add_all(self, rows: Iterable[tuple[FactsView, Truth | None]]) -> None:
        for facts, truth in rows:
            self.add(facts, truth)

    def finish(self, *, now: datetime | None = None) -> Evaluation:
        return Evaluation(
            filters=self.filters,
            generated_at=now or datetime.now(UTC),
            decisions=self.count,
            label_sources=dict(self.sources),
            cohorts=[self._report(self.cohorts[k]) for k in sorted(self.cohorts)],
        )

    def _report(self, cohort: _Cohort) -> CohortReport:
        size: timedelta = self.filters.window
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
                    segment_gap(attribute, name, groups, minimum_group=self.filters.minimum_group)
                )
        return CohortReport(
            key=cohort.key,
            metrics=cohort.overall.finish(),
            windows=[
                WindowMetrics(
                    start=self.origin + size * w,
                    end=self.origin + size * (w + 1),
                    metrics=t.finish(),
                )
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
