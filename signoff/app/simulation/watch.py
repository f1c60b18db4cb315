"""Drift watched over a simulated stream, with the statistics the drift monitors run
(:mod:`signoff.core.learning.drift`): a Bernoulli CUSUM on people's departures from the
AI, decision by decision, and Kolmogorov-Smirnov/PSI on each day's confidences against
the first days'.

The reference (the override rate the CUSUM rises from, the confidences a day is compared
with) is learnt from the first ``reference_days``, as a monitor learns it from its
reference window: nothing here is told when the drift starts.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from signoff.app.simulation.population import SimulatedDecision


class Observed(BaseModel):
    """One decision of the stream as the system saw it."""

    index: int
    day: int
    confidence: float
    departed: bool | None
    """People rejected or edited the proposal; None when no person gave a verdict."""


class OverrideWatch(BaseModel):
    """A CUSUM for a rise of ``rise`` in the departure rate of the reference days.

    The rate it rises from is the upper end of the reference rate's Wilson interval
    (one-sided, ``1 - reference_alpha``), not the rate itself: from a reference of a few
    dozen verdicts the rate is uncertain by ten points, and a CUSUM told too low a rate
    drifts up on a stable stream and alarms early.
    """

    reference_days: int = Field(default=5, ge=1)
    reference_alpha: float = Field(default=0.2, gt=0.0, lt=0.5)
    rise: float = Field(default=0.15, gt=0.0, lt=1.0)
    limit: float = Field(default=4.0, gt=0.0)

    def alarm(self, stream: Sequence[Observed]) -> int | None:
        """The index of the decision at which the CUSUM alarms, or None."""
        from statsmodels.stats.proportion import proportion_confint

        from signoff.core.learning.drift import bernoulli_cusum

        verdicts = [o for o in sorted(stream, key=lambda o: o.index) if o.departed is not None]
        reference = [o.departed for o in verdicts if o.day < self.reference_days]
        if not reference:
            return None
        _, upper = proportion_confint(
            sum(reference), len(reference), alpha=2 * self.reference_alpha, method="wilson"
        )
        p0 = min(0.9, max(0.02, float(upper)))
        p1 = min(0.98, p0 + self.rise)
        crossed = bernoulli_cusum(
            [bool(o.departed) for o in verdicts], p0=p0, p1=p1, limit=self.limit
        )
        return None if crossed is None else verdicts[crossed].index


class ConfidenceWatch(BaseModel):
    """Each later day's confidences against the reference days': the first day on which
    Kolmogorov-Smirnov alarms. PSI is not asked: over ten bins its noise alone is about
    9 (1/n + 1/m), over its 0.25 alarm for any day of fewer than about 40 decisions."""

    reference_days: int = Field(default=5, ge=1)

    def alarm(self, stream: Sequence[Observed]) -> int | None:
        from signoff.core.learning.drift import confidence_shifts

        reference = [o.confidence for o in stream if o.day < self.reference_days]
        later = sorted({o.day for o in stream if o.day >= self.reference_days})
        for day in later:
            current = [o.confidence for o in stream if o.day == day]
            shifts = confidence_shifts(reference, current)
            if reference and any(s.alarm for s in shifts if s.test == "kolmogorov_smirnov"):
                return day
        return None


def scripted_stream(population: Sequence[SimulatedDecision], *, auto_from: float) -> list[Observed]:
    """The stream a policy that approves automatically from ``auto_from`` would show, as
    the scripted reviewers will act: for repeating a drift watch over many seeds without
    running workflows (a run's own stream is read back from the store)."""
    return [
        Observed(
            index=d.index,
            day=d.day,
            confidence=d.confidence,
            departed=None if d.confidence >= auto_from else d.verdict != "approve",
        )
        for d in population
    ]
