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

from pydantic import BaseModel

from signoff.adapters.store import Store
from signoff.app.simulation.comparisons import (
    Comparison,
    agreement_rows,
    calibration_rows,
    reviewer_rows,
    segment_rows,
)
from signoff.app.simulation.runner import SimulationRun
from signoff.app.simulation.scenario import Scenario
from signoff.app.simulation.watch import ConfidenceWatch, Observed, OverrideWatch
from signoff.core.learning import Evaluation, EvaluationFilters


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
        rows += calibration_rows(run, cohort)
        rows += segment_rows(run, cohort)
        rows += agreement_rows(run, cohort)
        rows += reviewer_rows(run, cohort)
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
