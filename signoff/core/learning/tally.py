"""The counts behind one :class:`MetricSet`, and how they become its rates.

A tally is what the store counted for one group of decisions (a cohort, one of its time
windows, or one segment value): plain counters, which sources of truth stood behind
them, labelled confidences in fixed bins, and the percentiles of each duration series.
The store counts in the database (``GROUP BY``), so the decisions never pass through
Python; this module only turns the counts into rates with intervals. What each counter
counts is defined once, in SQL, in :mod:`signoff.adapters.store.evaluation`; a spec
holds it equal to a per-decision reference written in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

from signoff.core.learning.calibration import ConfidenceBins
from signoff.core.learning.intervals import NOT_ENOUGH_DATA, wilson
from signoff.core.learning.labels import LabelSource
from signoff.core.learning.latency import Percentiles
from signoff.core.learning.results import (
    FeedbackMetrics,
    MetricSet,
    PeopleVsAI,
    Quality,
    Routing,
    Timing,
)


def _no_values() -> Percentiles:
    return Percentiles(count=0, note=NOT_ENOUGH_DATA)


def _sources(sources: frozenset[str]) -> str | None:
    return ", ".join(sorted(sources)) or None


@dataclass
class Tally:
    """One group's counts. Each counter counts decisions, except the thumbs and
    escalation counts, which add them up."""

    n: int = 0
    auto: int = 0
    """Approved automatically (not routed to people)."""
    human: int = 0
    auto_sampled: int = 0
    """Automatic and sampled for QA."""
    qa: int = 0
    """QA-sampled automatic decisions with a verdict: settled truth, else unequal thumbs."""
    qa_right: int = 0
    verdicts: int = 0
    """A person gave a verdict on the AI's proposal."""
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    changes: int = 0
    departed: int = 0
    """A verdict other than letting the proposal stand."""
    decided: int = 0
    """Decided and not cancelled."""
    manager_overrides: int = 0
    labelled: int = 0
    """Settled truth says whether the AI was right."""
    labelled_right: int = 0
    right: int = 0
    """With a verdict and settled truth: the AI was right..."""
    right_departed: int = 0
    """...and people departed from it anyway (under-reliance)."""
    wrong: int = 0
    wrong_departed: int = 0
    """The AI was wrong and people departed from it (an override that was right)."""
    thumbs: int = 0
    thumbs_up: int = 0
    with_feedback: int = 0
    """Decided (and not cancelled, as ``decided``), with any thumb or correction."""
    reviewed: int = 0
    """Routed to people."""
    breached: int = 0
    escalated: int = 0
    escalation_count: int = 0
    truth_sources: frozenset[str] = frozenset()
    """The sources of the settled truth behind ``labelled``."""
    reliance_sources: frozenset[str] = frozenset()
    """...behind ``right`` and ``wrong``."""
    qa_sources: frozenset[str] = frozenset()
    """...behind ``qa`` (thumbs among them)."""
    confidence: ConfidenceBins = field(default_factory=ConfidenceBins)
    edit_size: Percentiles = field(default_factory=_no_values)
    decide_s: Percentiles = field(default_factory=_no_values)
    waiting_s: Percentiles = field(default_factory=_no_values)
    handling_s: Percentiles = field(default_factory=_no_values)

    def finish(self, *, minimum: int = 1) -> MetricSet:
        """The metrics of these counts; rates over fewer than ``minimum`` decisions say
        "not enough data"."""

        def rate(k: int, n: int, source: str | None = None):  # type: ignore[no-untyped-def]
            return wilson(k, n, minimum=minimum, label_source=source)

        settled = _sources(self.truth_sources)
        reliance = _sources(self.reliance_sources)
        human = LabelSource.HUMAN_DECISION
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
                approved_unchanged=rate(self.accepted, self.verdicts, human),
                edit_rate=rate(self.edited, self.verdicts, human),
                edit_size=self.edit_size,
                rejection_rate=rate(self.rejected, self.verdicts, human),
                changes_requested_rate=rate(self.changes, self.verdicts, human),
                manager_override_rate=rate(self.manager_overrides, self.decided),
                override_rate=rate(self.departed, self.verdicts, human),
                override_precision=rate(
                    self.wrong_departed, self.wrong_departed + self.right_departed, reliance
                ),
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
                time_to_decision=self.decide_s,
                waiting=self.waiting_s,
                handling=self.handling_s,
                sla_breaches=rate(self.breached, self.reviewed),
                escalations=rate(self.escalated, self.reviewed),
                escalation_count=self.escalation_count,
            ),
        )


COUNTERS = tuple(f.name for f in fields(Tally) if f.type == "int")
"""The plain counters, by name: what the store's counting query must define."""
SOURCE_SETS = ("truth_sources", "reliance_sources", "qa_sources")
SERIES = ("edit_size", "decide_s", "waiting_s", "handling_s")
"""The percentile series: edit sizes and three durations, in seconds."""


def merged(tallies: Iterable[Tally]) -> Tally:
    """The counts of several disjoint groups together (a cohort from its windows, a
    segment value from the segment combinations that hold it). Percentiles do not add
    up: the result has none, and the caller sets them from a query of their own."""
    out = Tally()
    for tally in tallies:
        for name in COUNTERS:
            setattr(out, name, getattr(out, name) + getattr(tally, name))
        for name in SOURCE_SETS:
            setattr(out, name, getattr(out, name) | getattr(tally, name))
        out.confidence = out.confidence.merged(tally.confidence)
    return out
