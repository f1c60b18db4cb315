"""What the store counts in the database gives what the full lists gave: percentiles
are numpy's exactly (from the values at the ranks they interpolate between),
calibration and the risk-coverage curve come from counts in fixed bins."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss

from signoff.core.learning import calibration, percentiles
from signoff.core.learning.evaluate import THRESHOLDS, risk_coverage
from signoff.core.learning.latency import interpolated, ranks

SAMPLES = {
    "lognormal seconds": lambda rng, n: rng.lognormal(7.0, 1.2, n),
    "exponential seconds": lambda rng, n: rng.exponential(1_800.0, n),
    "beta edit sizes": lambda rng, n: rng.beta(2.0, 8.0, n),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_percentiles_of_a_large_sample_are_numpys_exactly(sample: str) -> None:
    values = SAMPLES[sample](np.random.default_rng(14), 200_000)

    result = percentiles(values)

    assert result.count == len(values)
    assert [result.p50, result.p90, result.p99] == list(np.percentile(values, [50, 90, 99]))


@pytest.mark.parametrize("count", [1, 2, 3, 10, 99, 100, 101, 1_001])
def test_the_values_at_a_few_ranks_are_all_percentiles_need(count: int) -> None:
    values = sorted(np.random.default_rng(count).exponential(60.0, count))

    result = interpolated(count, {r: values[r] for r in ranks(count)})

    assert len(ranks(count)) <= 6
    assert [result.p50, result.p90, result.p99] == list(np.percentile(values, [50, 90, 99]))


def test_the_brier_score_from_running_sums_is_scikit_learns() -> None:
    rng = random.Random(7)
    confidence = [rng.random() for _ in range(1_000)]
    correct = [rng.random() < c * 0.9 for c in confidence]

    result = calibration(confidence, correct)

    assert result.brier == pytest.approx(brier_score_loss(correct, confidence))


def test_the_risk_coverage_curve_from_counts_is_the_curve_from_every_confidence() -> None:
    rng = random.Random(11)
    # Thresholds themselves included: a confidence equal to τ counts as covered by τ.
    confidence = [rng.random() for _ in range(2_000)] + THRESHOLDS
    correct = [rng.random() < c for c in confidence]

    points = risk_coverage(confidence, correct)

    for point in points:
        chosen = [r for c, r in zip(confidence, correct, strict=True) if c >= point.threshold]
        assert point.coverage == pytest.approx(len(chosen) / len(confidence))
        assert (point.accuracy.successes, point.accuracy.total) == (sum(chosen), len(chosen))
