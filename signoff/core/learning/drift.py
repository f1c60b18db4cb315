"""Has the model's behaviour moved? The tests the drift monitors run on one window
against a reference window.

Confidence is compared three ways because each misses something the others catch: the
population stability index (PSI) weighs a shift by how much mass moved between bins;
Kolmogorov-Smirnov asks whether the two samples could come from one distribution;
Wasserstein says how far, in confidence points, the distribution travelled. The override
rate is watched decision by decision with a Bernoulli CUSUM (it alarms within a bounded
number of decisions after a rise, and rarely before) and window against window with a
two-proportion z-test; the mix of the AI's labels and of outcomes by a chi-square test.
SciPy and statsmodels do the tests; PSI and the CUSUM are written
here, each a line of arithmetic, and the specs check them against SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from signoff.core.models.drift_monitor import Shift

PSI_ALARM = 0.25
"""The usual reading: under 0.1 stable, 0.1-0.25 a moderate shift, over 0.25 a major one."""
KS_ALARM_P = 0.01
RATE_ALARM_P = 0.01
MIX_ALARM_P = 0.01
_FLOOR = 1e-4
"""A bin's share is never taken as 0: ln(0) would make one empty bin an infinite shift."""


def psi(reference: Sequence[float], current: Sequence[float], *, bins: int = 10) -> float:
    """Σ (current - reference) · ln(current / reference) over the reference's quantile
    bins (so each holds a tenth of the reference)."""
    ref, cur = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    expected = np.histogram(ref, edges)[0] / len(ref)
    actual = np.histogram(cur, edges)[0] / len(cur)
    expected, actual = np.maximum(expected, _FLOOR), np.maximum(actual, _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def confidence_shifts(reference: Sequence[float], current: Sequence[float]) -> list[Shift]:
    """PSI, Kolmogorov-Smirnov and Wasserstein on two windows' confidences."""
    index = psi(reference, current)
    ks = stats.ks_2samp(reference, current)
    distance = stats.wasserstein_distance(reference, current)
    return [
        Shift(test="psi", value=index, alarm=index > PSI_ALARM),
        Shift(
            test="kolmogorov_smirnov",
            value=float(ks.statistic),
            p_value=float(ks.pvalue),
            alarm=bool(ks.pvalue < KS_ALARM_P),
        ),
        # No alarm of its own: a distance in confidence points, shown beside the others.
        Shift(test="wasserstein", value=float(distance), alarm=False),
    ]


def rate_rise(reference_hits: int, reference_n: int, current_hits: int, current_n: int) -> Shift:
    """Whether a rate (overrides per decision, say) rose from one window to the next:
    a one-sided two-proportion z-test."""
    if min(reference_n, current_n) == 0:
        return Shift(test="two_proportion_z", value=0.0, p_value=None, alarm=False)
    z, p = proportions_ztest(
        [current_hits, reference_hits], [current_n, reference_n], alternative="larger"
    )
    z, p = float(np.nan_to_num(z)), float(np.nan_to_num(p, nan=1.0))
    return Shift(test="two_proportion_z", value=z, p_value=p, alarm=p < RATE_ALARM_P)


def bernoulli_cusum(events: Sequence[bool], *, p0: float, p1: float, limit: float) -> int | None:
    """The index of the first event at which a CUSUM for a rise of a rate from ``p0``
    to ``p1`` crosses ``limit``, or None. Each event adds its log-likelihood ratio
    (Reynolds and Stoumbos, 1999), and the sum never falls below 0."""
    return cusum_from(0.0, events, p0=p0, p1=p1, limit=limit).crossed


class CusumStep(NamedTuple):
    total: float
    """The sum after the events (0 again after a crossing)."""
    crossed: int | None
    """The index of the first event that crossed the limit."""
    peak: float
    """The highest the sum reached."""


def cusum_from(
    total: float, events: Iterable[bool], *, p0: float, p1: float, limit: float
) -> CusumStep:
    """:func:`bernoulli_cusum` resumed from ``total`` (what an earlier run left), so a
    monitor can feed it one run's decisions at a time. The sum starts again from 0
    after a crossing: one alarm per rise, not one per later run."""
    if not 0 < p0 < p1 < 1:
        raise ValueError("the CUSUM watches for a rise: it needs 0 < p0 < p1 < 1")
    hit, miss = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    crossed, peak = None, total
    for i, event in enumerate(events):
        total = max(0.0, total + (hit if event else miss))
        peak = max(peak, total)
        if total > limit:
            crossed = i if crossed is None else crossed
            total = 0.0
    return CusumStep(total, crossed, peak)


def mix_shift(test: str, reference: Mapping[str, int], current: Mapping[str, int]) -> Shift:
    """Whether the mix of categories (labels, outcomes) moved between two windows: a
    chi-square test of independence on the 2 x k table of counts."""
    names = sorted(k for k in {*reference, *current} if reference.get(k, 0) + current.get(k, 0))
    if len(names) < 2 or not sum(reference.values()) or not sum(current.values()):
        return Shift(test=test, value=0.0, p_value=None, alarm=False)
    table = [[reference.get(n, 0) for n in names], [current.get(n, 0) for n in names]]
    result = stats.chi2_contingency(table)
    p = float(result.pvalue)
    return Shift(test=test, value=float(result.statistic), p_value=p, alarm=p < MIX_ALARM_P)


def calibration_gap(confidence: Sequence[float], correct: Sequence[bool]) -> Shift:
    """Accuracy the confidences promise against accuracy realised once truth arrived;
    alarms when the mean confidence lies outside the Wilson 99% interval of the
    realised accuracy."""
    n = len(correct)
    if n == 0:
        return Shift(test="calibration_gap", value=0.0, alarm=False)
    right = int(np.sum(correct))
    low, high = proportion_confint(right, n, alpha=0.01, method="wilson")
    promised = float(np.mean(confidence))
    return Shift(
        test="calibration_gap",
        value=promised - right / n,
        alarm=not low <= promised <= high,
    )
