"""What a run injected, worked out from its population, and how far a metric may stray
from it by chance alone.

The injected values are exact for the population drawn, not for the scenario's
averages: each decision's chance of being right is known, so the expected ECE, the
expected accuracy of a segment and the expected agreement of the experts are sums over
the decisions that ran. The tolerances are three standard deviations of the sampling
noise around those expectations, plus the share of labels the experts settled wrongly
(both wrong the same way), which the run counts as it goes.

Calibration, why the mean gap: when every reliability bin's accuracy lies below its mean
confidence (the model is overconfident throughout, as injected), ECE = Σ_b w_b (conf_b -
acc_b) = mean(confidence) - mean(right), whose expectation is mean(confidence - chance)
and whose variance is Σ p_i (1 - p_i) / n². The report says when a bin breaks that
condition; the derivation then no longer holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from signoff.app.simulation.population import SimulatedDecision

SIGMAS = 3.0


def labelled(decision: SimulatedDecision) -> bool:
    """Whether settled truth reaches the store: an outcome or the experts' labels."""
    return decision.outcome_reported or decision.expert_says_right is not None


def mean_gap(decisions: Sequence[SimulatedDecision]) -> float:
    """The expected calibration error of an overconfident model over ``decisions``."""
    return sum(d.confidence - d.chance_right for d in decisions) / len(decisions)


def mean_chance(decisions: Sequence[SimulatedDecision]) -> float:
    """The expected accuracy over ``decisions``."""
    return sum(d.chance_right for d in decisions) / len(decisions)


def variance_of_mean(decisions: Sequence[SimulatedDecision]) -> float:
    """The variance of the realised accuracy (a mean of Bernoulli draws) of ``decisions``."""
    n = len(decisions)
    return sum(d.chance_right * (1 - d.chance_right) for d in decisions) / n**2


def expected_kappa(prevalence: float, error: float) -> tuple[float, float, float]:
    """Cohen's kappa of two experts each wrong with chance ``error``, independently, on
    items of which ``prevalence`` are right; also its observed and chance agreement."""
    observed = 1 - 2 * error * (1 - error)
    says_right = prevalence * (1 - error) + (1 - prevalence) * error
    chance = says_right**2 + (1 - says_right) ** 2
    return (observed - chance) / (1 - chance), observed, chance


def kappa_deviation(items: int, observed: float, chance: float) -> float:
    """The large-sample standard error of kappa (Cohen, 1960): √(p_o(1-p_o)/n) / (1-p_e)."""
    return math.sqrt(observed * (1 - observed) / items) / (1 - chance)


def proportion_deviation(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n) if n else math.inf
