"""Counting one group of decisions as they stream past, then turning the counts into a
:class:`MetricSet`.

A tally keeps counters, t-digests of the durations and edit sizes, and labelled
confidences counted into fixed bins: never the decisions themselves nor a value per
decision, so its memory is the same at any size and an evaluation reads the store a page
at a time.
"""

from __future__ import annotations

from collections import Counter

from signoff.core.learning.calibration import ConfidenceBins
from signoff.core.learning.facts import FactsView
from signoff.core.learning.intervals import wilson
from signoff.core.learning.labels import LabelSource, Truth, ai_was_right
from signoff.core.learning.latency import Quantiles
from signoff.core.learning.results import (
    FeedbackMetrics,
    MetricSet,
    PeopleVsAI,
    Quality,
    Routing,
    Timing,
)
from signoff.core.models import Status


def _sources(counter: Counter[str]) -> str | None:
    return ", ".join(sorted(counter)) or None


class Tally:
    """The counts behind one :class:`MetricSet`."""

    def __init__(self) -> None:
        self.n = self.auto = self.human = self.auto_sampled = 0
        self.verdicts = self.accepted = self.edited = self.rejected = self.changes = 0
        self.decided = self.manager_overrides = 0
        self.departed = self.departed_wrong = self.wrong = self.wrong_departed = 0
        self.right = self.right_departed = 0
        self.reliance_sources: Counter[str] = Counter()
        self.labelled = self.labelled_right = 0
        self.truth_sources: Counter[str] = Counter()
        self.qa = self.qa_right = 0
        self.qa_sources: Counter[str] = Counter()
        self.thumbs_up = self.thumbs = self.with_feedback = 0
        self.reviewed = self.breached = self.escalated = self.escalation_count = 0
        self.edit_sizes = Quantiles()
        self.decide_s, self.waiting_s, self.handling_s = Quantiles(), Quantiles(), Quantiles()
        self.confidence = ConfidenceBins()

    def add(self, facts: FactsView, truth: Truth | None) -> None:
        self.n += 1
        right = None if truth is None else ai_was_right(truth.label, facts.predicted_label)
        if right is not None:
            assert truth is not None
            self.labelled += 1
            self.labelled_right += right
            self.truth_sources[truth.source] += 1
            self.confidence.add(facts.confidence, right)
        self._route(facts, truth, right)
        self._people(facts, truth, right)
        self._time_and_feedback(facts)

    def _route(self, facts: FactsView, truth: Truth | None, right: bool | None) -> None:
        if facts.route == "human":
            self.human += 1
            return
        self.auto += 1
        if not facts.sampled_for_qa:
            return
        self.auto_sampled += 1
        if right is None and facts.thumbs_up != facts.thumbs_down:
            right, truth = (
                facts.thumbs_up > facts.thumbs_down,
                Truth(label="", source=LabelSource.THUMBS),
            )
        if right is not None and truth is not None:
            self.qa += 1
            self.qa_right += right
            self.qa_sources[truth.source] += 1

    def _people(self, facts: FactsView, truth: Truth | None, right: bool | None) -> None:
        if facts.decided_at is not None and facts.status != Status.CANCELLED:
            self.decided += 1
            self.manager_overrides += facts.overridden
        if facts.human_accepted is None:
            return
        self.verdicts += 1
        self.accepted += facts.human_accepted
        self.edited += facts.human_status == Status.APPROVED_WITH_EDITS
        self.rejected += facts.human_status == Status.REJECTED
        self.changes += facts.human_status == Status.CHANGES_REQUESTED
        if facts.edit_distance is not None:
            self.edit_sizes.add(facts.edit_distance)
        departed = not facts.human_accepted
        self.departed += departed
        if right is None or truth is None:
            return
        self.reliance_sources[truth.source] += 1
        if departed:
            self.departed_wrong += not right
        if right:
            self.right += 1
            self.right_departed += departed
        else:
            self.wrong += 1
            self.wrong_departed += departed

    def _time_and_feedback(self, facts: FactsView) -> None:
        if facts.decided_at is not None:
            self.decide_s.add((facts.decided_at - facts.submitted_at).total_seconds())
            thumbs = facts.thumbs_up + facts.thumbs_down
            self.thumbs += thumbs
            self.thumbs_up += facts.thumbs_up
            self.with_feedback += bool(thumbs or facts.corrections)
        if facts.route != "human":
            return
        self.reviewed += 1
        self.breached += facts.sla_breaches > 0
        self.escalated += facts.escalations > 0
        self.escalation_count += facts.escalations
        start = facts.first_action_at
        if start is not None:
            self.waiting_s.add((start - facts.submitted_at).total_seconds())
            if facts.decided_at is not None:
                self.handling_s.add((facts.decided_at - start).total_seconds())
        elif facts.decided_at is not None:
            self.waiting_s.add((facts.decided_at - facts.submitted_at).total_seconds())

    def finish(self, *, minimum: int = 1) -> MetricSet:
        """The metrics of what was added; rates over fewer than ``minimum`` decisions say
        "not enough data"."""

        def rate(k: int, n: int, source: str | None = None):  # type: ignore[no-untyped-def]
            return wilson(k, n, minimum=minimum, label_source=source)

        settled = _sources(self.truth_sources)
        reliance = _sources(self.reliance_sources)
        departed_labelled = self.wrong_departed + self.right_departed
        return MetricSet(
            decisions=self.n,
            routing=Routing(
                decisions=self.n,
                automation_rate=rate(self.auto, self.n),
                review_rate=rate(self.human, self.n),
                qa_sample_rate=rate(self.auto_sampled, self.auto),
            ),
            people=PeopleVsAI(
                verdicts=self.verdicts,
                approved_unchanged=rate(self.accepted, self.verdicts, LabelSource.HUMAN_DECISION),
                edit_rate=rate(self.edited, self.verdicts, LabelSource.HUMAN_DECISION),
                edit_size=self.edit_sizes.finish(),
                rejection_rate=rate(self.rejected, self.verdicts, LabelSource.HUMAN_DECISION),
                changes_requested_rate=rate(
                    self.changes, self.verdicts, LabelSource.HUMAN_DECISION
                ),
                manager_override_rate=rate(self.manager_overrides, self.decided),
                override_rate=rate(self.departed, self.verdicts, LabelSource.HUMAN_DECISION),
                override_precision=rate(self.departed_wrong, departed_labelled, reliance),
                override_recall=rate(self.wrong_departed, self.wrong, reliance),
                over_reliance=rate(self.wrong - self.wrong_departed, self.wrong, reliance),
                under_reliance=rate(self.right_departed, self.right, reliance),
            ),
            quality=Quality(
                accuracy=rate(self.labelled_right, self.labelled, settled),
                qa_precision=rate(self.qa_right, self.qa, _sources(self.qa_sources)),
            ),
            calibration=self.confidence.finish(label_source=settled),
            feedback=FeedbackMetrics(
                thumbs_up_rate=rate(self.thumbs_up, self.thumbs, LabelSource.THUMBS),
                coverage=rate(self.with_feedback, self.decided, LabelSource.THUMBS),
            ),
            timing=Timing(
                time_to_decision=self.decide_s.finish(),
                waiting=self.waiting_s.finish(),
                handling=self.handling_s.finish(),
                sla_breaches=rate(self.breached, self.reviewed),
                escalations=rate(self.escalated, self.reviewed),
                escalation_count=self.escalation_count,
            ),
        )
