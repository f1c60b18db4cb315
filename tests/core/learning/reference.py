"""The evaluation defined one decision at a time: what the store's SQL must equal.

This is the per-decision code that evaluated decisions before the store counted them in
the database (``Tally.add`` and ``Evaluator``, as they were), kept for the tests only:
each decision is looked at once and counted into every group it belongs to (its
cohort, its cohort's time window, each of its segment values), exactly as the old code
counted it. The store's ``GROUP BY`` queries (:mod:`signoff.adapters.store.evaluation`)
must give the same :class:`~signoff.core.learning.results.Evaluation` for the same
decisions and truth, on every database; a spec holds them to it.

What a decision counts for:

- ``n``; ``human`` when routed to people, else ``auto``, and ``auto_sampled`` when it was
  also sampled for QA. A sampled automatic decision has a QA verdict (``qa``,
  ``qa_right``) from its settled truth when that truth says whether the AI was right,
  else from its thumbs when they are unequal (more up than down: right).
- ``labelled`` / ``labelled_right`` and a confidence bin when settled truth says whether
  the AI was right (:func:`~signoff.core.learning.labels.ai_was_right`).
- ``decided`` (and ``manager_overrides``, and ``with_feedback`` when it has a thumb or a
  correction) when it has a decision time and was not cancelled; its thumbs and time to
  decision whenever it has a decision time, whatever its status.
- With a person's verdict (``human_accepted`` not None): ``verdicts``, ``accepted``,
  ``edited``/``rejected``/``changes`` by the people's status, its edit size, ``departed``
  when they did not let the proposal stand, and, with truth that says right or wrong,
  ``right``/``wrong`` and whether people departed from it.
- Routed to people: ``reviewed``, ``breached``, ``escalated``, ``escalation_count``, and
  its waiting time (to the first person's action, else to the decision) and handling
  time (from the first action to the decision).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from signoff.core.learning.evaluate import CohortCounts, ThresholdCounts, evaluation, origin
from signoff.core.learning.facts import DecisionFacts
from signoff.core.learning.labels import LabelSource, Truth, ai_was_right
from signoff.core.learning.latency import percentiles
from signoff.core.learning.results import CohortKey, Evaluation, EvaluationFilters
from signoff.core.learning.tally import SERIES, Tally
from signoff.core.models import Status


def selected(filters: EvaluationFilters, facts: DecisionFacts) -> bool:
    """Whether ``filters`` select the decision: its use case, its model version, and
    ``since <= submitted_at < until``."""
    if filters.use_case is not None and facts.use_case != filters.use_case:
        return False
    if filters.model_version is not None and facts.model_version != filters.model_version:
        return False
    if filters.since is not None and facts.submitted_at < filters.since:
        return False
    return filters.until is None or facts.submitted_at < filters.until


def reference_evaluation(
    filters: EvaluationFilters,
    decisions: Iterable[tuple[DecisionFacts, Truth | None]],
    *,
    now: datetime | None = None,
) -> Evaluation:
    """The evaluation of the decisions ``filters`` select among ``decisions`` (each with
    its settled truth, or None), counted one decision at a time.

    The decisions are taken in the order given; the old reader gave them in the order of
    their ids, which only the experts' agreement could notice (Fleiss' kappa keeps the
    items rated by the most usual number of experts, the first such number on a tie).
    """
    cohorts: dict[tuple[str, ...], _Cohort] = {}
    sources: dict[str, int] = defaultdict(int)
    start = origin(filters)
    for facts, truth in decisions:
        if not selected(filters, facts):
            continue
        if truth is not None:
            sources[LabelSource(truth.source).value] += 1
        key = (
            facts.use_case,
            facts.model_version,
            facts.prompt_version,
            facts.policy_name,
            facts.policy_version,
        )
        cohort = cohorts.get(key)
        if cohort is None:
            cohort = cohorts[key] = _Cohort(key)
        cohort.add(facts, truth, (facts.submitted_at - start) // filters.window)
    return evaluation(
        filters,
        [c.counts() for c in cohorts.values()],
        label_sources=dict(sources),
        now=now,
    )


def reference_tally(decisions: Iterable[tuple[DecisionFacts, Truth | None]]) -> Tally:
    """One group's :class:`Tally` of ``decisions``, counted one at a time."""
    group = _Group()
    for facts, truth in decisions:
        group.add(facts, truth)
    return group.finished()


@dataclass
class _Group:
    """A :class:`Tally` being counted, with the values of its percentile series."""

    tally: Tally = field(default_factory=Tally)
    series: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in SERIES})

    def finished(self) -> Tally:
        for name, values in self.series.items():
            setattr(self.tally, name, percentiles(values))
        return self.tally

    def add(self, facts: DecisionFacts, truth: Truth | None) -> None:
        t = self.tally
        t.n += 1
        right = None if truth is None else ai_was_right(truth.label, facts.predicted_label)
        if right is not None:
            assert truth is not None
            t.labelled += 1
            t.labelled_right += right
            t.truth_sources |= {LabelSource(truth.source).value}
            t.confidence.add(facts.confidence, right)
        self._route(facts, truth, right)
        self._people(facts, truth, right)
        self._time_and_feedback(facts)

    def _route(self, facts: DecisionFacts, truth: Truth | None, right: bool | None) -> None:
        t = self.tally
        if facts.route == "human":
            t.human += 1
            return
        t.auto += 1
        if not facts.sampled_for_qa:
            return
        t.auto_sampled += 1
        source = None if truth is None else LabelSource(truth.source).value
        if right is None and facts.thumbs_up != facts.thumbs_down:
            right, source = facts.thumbs_up > facts.thumbs_down, LabelSource.THUMBS.value
        if right is not None and source is not None:
            t.qa += 1
            t.qa_right += right
            t.qa_sources |= {source}

    def _people(self, facts: DecisionFacts, truth: Truth | None, right: bool | None) -> None:
        t = self.tally
        if facts.decided_at is not None and facts.status != Status.CANCELLED:
            t.decided += 1
            t.manager_overrides += facts.overridden
        if facts.human_accepted is None:
            return
        t.verdicts += 1
        t.accepted += facts.human_accepted
        t.edited += facts.human_status == Status.APPROVED_WITH_EDITS
        t.rejected += facts.human_status == Status.REJECTED
        t.changes += facts.human_status == Status.CHANGES_REQUESTED
        if facts.edit_distance is not None:
            self.series["edit_size"].append(facts.edit_distance)
        departed = not facts.human_accepted
        t.departed += departed
        if right is None or truth is None:
            return
        t.reliance_sources |= {LabelSource(truth.source).value}
        if right:
            t.right += 1
            t.right_departed += departed
        else:
            t.wrong += 1
            t.wrong_departed += departed

    def _time_and_feedback(self, facts: DecisionFacts) -> None:
        t = self.tally
        if facts.decided_at is not None:
            self.series["decide_s"].append((facts.decided_at - facts.submitted_at).total_seconds())
            thumbs = facts.thumbs_up + facts.thumbs_down
            t.thumbs += thumbs
            t.thumbs_up += facts.thumbs_up
            # Of the decided ones (not cancelled), the share with feedback: a cancelled
            # decision's thumb is counted among thumbs but not towards the coverage.
            t.with_feedback += bool(thumbs or facts.corrections) and facts.status != "cancelled"
        if facts.route != "human":
            return
        t.reviewed += 1
        t.breached += facts.sla_breaches > 0
        t.escalated += facts.escalations > 0
        t.escalation_count += facts.escalations
        start = facts.first_action_at
        if start is not None:
            self.series["waiting_s"].append((start - facts.submitted_at).total_seconds())
            if facts.decided_at is not None:
                self.series["handling_s"].append((facts.decided_at - start).total_seconds())
        elif facts.decided_at is not None:
            self.series["waiting_s"].append((facts.decided_at - facts.submitted_at).total_seconds())


class _Cohort:
    """One cohort's groups: the whole, its windows, its segment values, and what its
    agreement, reviewers and risk-coverage curve are made of."""

    def __init__(self, key: Sequence[str]) -> None:
        use_case, model_version, prompt_version, policy, policy_version = key
        self.key = CohortKey(
            use_case=use_case,
            model_version=model_version,
            prompt_version=prompt_version,
            policy=policy,
            policy_version=policy_version,
        )
        self.overall = _Group()
        self.windows: dict[int, _Group] = defaultdict(_Group)
        self.segments: dict[str, dict[str, _Group]] = defaultdict(lambda: defaultdict(_Group))
        self.expert_labels: list[dict[str, str]] = []
        self.reviewers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.thresholds = ThresholdCounts()

    def add(self, facts: DecisionFacts, truth: Truth | None, window: int) -> None:
        self.overall.add(facts, truth)
        self.windows[window].add(facts, truth)
        for attribute, value in facts.segment.items():
            self.segments[attribute][value].add(facts, truth)
        if len(facts.expert_labels) >= 2:
            self.expert_labels.append(dict(facts.expert_labels))
        right = None if truth is None else ai_was_right(truth.label, facts.predicted_label)
        if right is None:
            return
        self.thresholds.add(facts.confidence, right)
        for reviewer, verdict in facts.votes:
            counted = self.reviewers[reviewer]
            counted[0] += (verdict == "approve") == right
            counted[1] += 1

    def counts(self) -> CohortCounts:
        return CohortCounts(
            key=self.key,
            overall=self.overall.finished(),
            windows={w: g.finished() for w, g in self.windows.items()},
            segments={
                attribute: {value: g.finished() for value, g in values.items()}
                for attribute, values in self.segments.items()
            },
            expert_labels=list(self.expert_labels),
            reviewers={r: (agreed, voted) for r, (agreed, voted) in self.reviewers.items()},
            thresholds=self.thresholds,
        )
