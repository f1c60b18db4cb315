"""Injected beside recovered: the run's known truth against what ``signoff eval`` and the
drift statistics make of the decisions the store holds.

Everything recovered is read back from the store's projection of the workflows
(``decision_facts`` and its settled truth), never from the script: a metric that
recovers the injected value has been through Temporal, the audit writer and the store.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel

from signoff.adapters.store import Store
from signoff.app.simulation import truth
from signoff.app.simulation.runner import SimulationRun
from signoff.app.simulation.scenario import Scenario
from signoff.app.simulation.watch import ConfidenceWatch, Observed, OverrideWatch
from signoff.core.learning import Evaluation, EvaluationFilters
from signoff.core.learning.results import CohortReport


class Comparison(BaseModel):
    """One injected quantity and what the system recovered of it.

    ``kind`` says how they compare: ``near``, within ``tolerance`` of each other;
    ``after``, the recovered (an alarm's position) at or after the injected (the onset)
    and at most ``tolerance`` later (no alarm, or one without a drift, fails); ``shown``,
    not compared. A ``near`` value the evaluation could not measure compares as None.
    """

    metric: str
    injected: float | None
    recovered: float | None
    tolerance: float | None = None
    kind: Literal["near", "after", "shown"] = "near"
    note: str = ""

    @property
    def holds(self) -> bool | None:
        if self.kind == "shown":
            return None
        if self.kind == "near" and self.injected is not None and self.recovered is None:
            return None  # not measured (too few decisions): nothing to compare
        if self.injected is None or self.recovered is None or self.tolerance is None:
            return self.injected is None and self.recovered is None
        if self.kind == "after":
            return self.injected <= self.recovered <= self.injected + self.tolerance
        return abs(self.recovered - self.injected) <= self.tolerance


class SimulationReport(BaseModel):
    run_id: str
    use_case: str
    decisions: int
    comparisons: list[Comparison]
    stream: list[Observed]
    evaluation: Evaluation

    def get(self, metric: str) -> Comparison:
        return next(c for c in self.comparisons if c.metric == metric)


async def observed_stream(store: Store, use_case: str, days: dict[int, int]) -> list[Observed]:
    """A run's decisions as the store holds them, in the order they were made; ``days``
    gives each decision's simulated day by its index."""
    stream = []
    async for facts, _ in store.stream_facts(EvaluationFilters(use_case=use_case)):
        index = int(facts.decision_id.rsplit("-", 1)[1])
        accepted = facts.human_accepted
        stream.append(
            Observed(
                index=index,
                day=days[index],
                confidence=facts.confidence,
                departed=None if accepted is None else not accepted,
            )
        )
    return sorted(stream, key=lambda o: o.index)


async def report(
    store: Store,
    run: SimulationRun,
    *,
    overrides: OverrideWatch | None = None,
    confidences: ConfidenceWatch | None = None,
    drift_bound: int | None = None,
    minimum_group: int = 30,
) -> SimulationReport:
    """Compare ``run``'s injected truth with its evaluation and drift watch.

    Args:
        drift_bound: How many decisions after the onset the override CUSUM may alarm;
            by default five simulated days' worth.
    """
    scenario = run.scenario
    filters = EvaluationFilters(
        use_case=run.use_case, window=timedelta(days=1), minimum_group=minimum_group
    )
    evaluation = await store.evaluate(filters)
    stream = await observed_stream(store, run.use_case, {d.index: d.day for d in run.population})
    rows: list[Comparison] = []
    if evaluation.cohorts:
        cohort = max(evaluation.cohorts, key=lambda c: c.metrics.decisions)
        rows += _calibration(run, cohort)
        rows += _segment(run, cohort)
        rows += _agreement(run, cohort)
        rows += _reviewers(run, cohort)
    onset = scenario.drift_onset
    bound = drift_bound if drift_bound is not None else math.ceil(5 * scenario.per_day)
    rows.append(
        Comparison(
            metric="drift onset (override CUSUM, decision)",
            injected=onset,
            recovered=(overrides or _override_watch(scenario)).alarm(stream),
            tolerance=bound if onset is not None else None,
            kind="after",
        )
    )
    shifted = scenario.drift is not None and scenario.drift.confidence_shift != 0
    rows.append(
        Comparison(
            metric="drift day (confidence KS, day)",
            injected=scenario.drift.day if shifted and scenario.drift else None,
            recovered=(confidences or ConfidenceWatch(reference_days=_reference(scenario))).alarm(
                stream
            ),
            tolerance=0 if shifted else None,
            kind="after",
        )
    )
    return SimulationReport(
        run_id=run.run_id,
        use_case=run.use_case,
        decisions=len(stream),
        comparisons=rows,
        stream=stream,
        evaluation=evaluation,
    )


async def settled_report(
    store: Store, run: SimulationRun, *, timeout: float = 60.0, minimum_group: int = 30
) -> SimulationReport:
    """:func:`report`, once the store holds every decision of ``run`` and every label its
    experts settled: the store's projection is written on the workflows' own time."""
    from signoff.app.simulation.people import SimulationError

    by_experts = sum(1 for d in run.population if d.expert_says_right is not None)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await report(store, run, minimum_group=minimum_group)
        sources = found.evaluation.label_sources
        settled = sources.get("expert", 0) + sources.get("adjudicated", 0)
        if found.decisions == len(run.population) and settled >= by_experts:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise SimulationError(
                f"The store holds {found.decisions} of the run's {len(run.population)}"
                f" decisions after {timeout:.0f} s: is the worker writing to this store?"
            )
        await asyncio.sleep(0.5)


def _reference(scenario: Scenario) -> int:
    """The default watches' reference: the first five days, or the days before a drift
    that starts sooner (a reference that holds drifted days hides the drift)."""
    return min(5, scenario.drift.day) if scenario.drift is not None else 5


def _override_watch(scenario: Scenario) -> OverrideWatch:
    return OverrideWatch(reference_days=_reference(scenario))


def _flips(run: SimulationRun, indices: set[int]) -> int:
    return sum(1 for r in run.records if r.index in indices and r.settled_wrong)


def _calibration(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
    labelled = [d for d in run.population if truth.labelled(d)]
    groups = [("calibration ECE", labelled, cohort.metrics.calibration)]
    if (bias := run.scenario.segment) is not None:
        for value in (bias.better, bias.worse):
            members = [d for d in labelled if d.segment.get(bias.attribute) == value]
            metrics = cohort.segments.get(bias.attribute, {}).get(value)
            if members and metrics is not None:
                groups.append(
                    (f"calibration ECE {bias.attribute}={value}", members, metrics.calibration)
                )
    rows = []
    for metric, members, measured in groups:
        flips = _flips(run, {d.index for d in members}) / len(members)
        overconfident = all(
            b.accuracy is None or b.mean_confidence is None or b.accuracy < b.mean_confidence
            for b in measured.bins
        )
        rows.append(
            Comparison(
                metric=metric,
                injected=truth.mean_gap(members),
                recovered=measured.ece,
                tolerance=truth.SIGMAS * math.sqrt(truth.variance_of_mean(members)) + flips,
                note="" if overconfident else "a bin is not overconfident: the bound assumes it",
            )
        )
    return rows


def _segment(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
    bias = run.scenario.segment
    if bias is None:
        return []
    labelled = [d for d in run.population if truth.labelled(d)]
    better = [d for d in labelled if d.segment.get(bias.attribute) == bias.better]
    worse = [d for d in labelled if d.segment.get(bias.attribute) == bias.worse]
    gap = next(
        (
            g
            for g in cohort.fairness
            if (g.attribute, g.metric) == (bias.attribute, "quality.accuracy")
        ),
        None,
    )
    if not better or not worse or gap is None:
        return []
    flips = _flips(run, {d.index for d in better}) / len(better)
    flips += _flips(run, {d.index for d in worse}) / len(worse)
    deviation = math.sqrt(truth.variance_of_mean(better) + truth.variance_of_mean(worse))
    injected_ratio = truth.mean_chance(worse) / truth.mean_chance(better)
    return [
        Comparison(
            metric=f"accuracy gap {bias.attribute} ({bias.better} - {bias.worse})",
            injected=truth.mean_chance(better) - truth.mean_chance(worse),
            recovered=gap.largest_gap,
            tolerance=truth.SIGMAS * deviation + flips,
            note=gap.note or "",
        ),
        Comparison(
            metric=f"accuracy min/max ratio {bias.attribute}",
            injected=injected_ratio,
            recovered=gap.min_max_ratio,
            kind="shown",
            note="flagged under 0.8" if gap.flagged else "not flagged",
        ),
    ]


def _agreement(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
    agreement = cohort.agreement
    items = [d for d in run.population if d.expert_says_right is not None]
    if agreement.items < 2 or not items:
        note = "not measured: the policy settles truth on one expert's label"
        return [
            Comparison(
                metric="expert agreement", injected=None, recovered=None, kind="shown", note=note
            )
        ]
    error = run.scenario.expert_error
    prevalence = sum(d.right for d in items) / len(items)
    kappa, observed, chance = truth.expected_kappa(prevalence, error)
    deviation = truth.kappa_deviation(agreement.items, observed, chance)
    disagreed = sum(1 for d in items if d.expert_says_right and len(set(d.expert_says_right)) > 1)
    rate = run.scenario.expert_disagreement
    pair = next((p.kappa for p in agreement.cohen if p.kappa is not None), None)
    return [
        Comparison(
            metric="expert disagreement rate",
            injected=rate,
            recovered=disagreed / len(items),
            tolerance=truth.SIGMAS * truth.proportion_deviation(rate, len(items)),
        ),
        Comparison(
            metric="Cohen's kappa (experts)",
            injected=kappa,
            recovered=pair,
            tolerance=truth.SIGMAS * deviation,
        ),
        Comparison(
            metric="Fleiss' kappa (experts)",
            injected=kappa,
            recovered=agreement.fleiss_kappa,
            tolerance=truth.SIGMAS * deviation,
        ),
        Comparison(
            metric="Krippendorff's alpha (experts)",
            injected=kappa,
            recovered=agreement.krippendorff_alpha,
            tolerance=truth.SIGMAS * deviation,
        ),
    ]


def _reviewers(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
    accuracy = 1 - run.scenario.reviewer_error
    rows = []
    for reviewer in cohort.reviewers:
        n = reviewer.accuracy.total
        if not n:
            continue
        reviewed = {r.index for r in run.records if r.reviewer == reviewer.reviewer}
        flips = _flips(run, reviewed) / max(1, len(reviewed))
        rows.append(
            Comparison(
                metric=f"reviewer accuracy {reviewer.reviewer}",
                injected=accuracy,
                recovered=reviewer.accuracy.value,
                tolerance=truth.SIGMAS * truth.proportion_deviation(accuracy, n) + flips,
            )
        )
    return rows
