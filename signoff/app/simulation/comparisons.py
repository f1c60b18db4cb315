"""Each injected quantity beside its measurement in a cohort's evaluation, with the
tolerance :mod:`signoff.app.simulation.truth` derives for it."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel

from signoff.app.simulation import truth
from signoff.app.simulation.runner import SimulationRun
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


def _flips(run: SimulationRun, indices: set[int]) -> int:
    return sum(1 for r in run.records if r.index in indices and r.settled_wrong)


def calibration_rows(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
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


def segment_rows(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
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


def agreement_rows(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
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


def reviewer_rows(run: SimulationRun, cohort: CohortReport) -> list[Comparison]:
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
