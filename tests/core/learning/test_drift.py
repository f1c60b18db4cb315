"""The drift tests alarm on the shifts they are for, and stay quiet otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import entropy

from signoff.core.learning.drift import (
    bernoulli_cusum,
    calibration_gap,
    confidence_shifts,
    cusum_from,
    mix_shift,
    psi,
    rate_rise,
)


def test_psi_is_the_symmetric_kullback_leibler_divergence_of_the_binned_shares() -> None:
    """PSI = KL(a‖e) + KL(e‖a) over the bins: checked against SciPy's entropy."""
    rng = np.random.default_rng(0)
    reference, current = rng.beta(8, 2, 5000), rng.beta(6, 3, 5000)
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    e = np.histogram(reference, edges)[0] / 5000
    a = np.histogram(current, edges)[0] / 5000
    assert psi(reference, current) == pytest.approx(entropy(a, e) + entropy(e, a), rel=1e-9)


def test_the_same_distribution_does_not_alarm_and_a_shifted_one_does() -> None:
    rng = np.random.default_rng(1)
    reference = rng.beta(8, 2, 4000)
    same = {s.test: s for s in confidence_shifts(reference, rng.beta(8, 2, 4000))}
    moved = {s.test: s for s in confidence_shifts(reference, rng.beta(5, 3, 4000))}
    assert not same["psi"].alarm and not same["kolmogorov_smirnov"].alarm
    assert same["psi"].value < 0.02
    assert moved["psi"].alarm and moved["kolmogorov_smirnov"].alarm
    assert moved["wasserstein"].value == pytest.approx(0.8 - 5 / 8, abs=0.02)


def test_an_empty_bin_does_not_make_the_shift_infinite() -> None:
    assert np.isfinite(psi([0.1, 0.2, 0.3, 0.9] * 50, [0.95] * 200))


def test_the_cusum_alarms_within_bounded_decisions_after_a_rise_and_not_before() -> None:
    """Override rate 5% for 2,000 decisions, then 15%: across 200 runs with the limit at
    9 (measured: 2 early alarms, median delay 96, 95th percentile 222) the alarm comes
    after the onset in all but a few, and within 250 decisions of it in nearly all."""
    rng = np.random.default_rng(2)
    onset, early, delays = 2000, 0, []
    for _ in range(200):
        events = np.concatenate([rng.uniform(size=onset) < 0.05, rng.uniform(size=1000) < 0.15])
        at = bernoulli_cusum(events.tolist(), p0=0.05, p1=0.15, limit=9.0)
        assert at is not None
        if at < onset:
            early += 1
        else:
            delays.append(at - onset)
    assert early <= 6, early
    assert np.percentile(delays, 95) <= 250, np.percentile(delays, 95)
    assert np.median(delays) <= 120


def test_the_cusum_asks_for_a_rise() -> None:
    with pytest.raises(ValueError, match="0 < p0 < p1 < 1"):
        bernoulli_cusum([True], p0=0.2, p1=0.1, limit=3)


def test_a_risen_override_rate_alarms_and_a_steady_one_does_not() -> None:
    assert rate_rise(50, 1000, 95, 1000).alarm
    assert not rate_rise(50, 1000, 55, 1000).alarm
    assert not rate_rise(0, 0, 5, 10).alarm, "no reference, no claim"


def test_a_model_that_promises_more_than_it_delivers_alarms() -> None:
    rng = np.random.default_rng(4)
    confidence = rng.uniform(0.6, 1.0, 2000)
    honest = rng.uniform(size=2000) < confidence
    boastful = rng.uniform(size=2000) < confidence - 0.1
    assert not calibration_gap(confidence, honest).alarm
    gap = calibration_gap(confidence, boastful)
    assert gap.alarm and gap.value == pytest.approx(0.1, abs=0.03)


def test_a_cusum_fed_run_by_run_crosses_where_one_fed_at_once_does() -> None:
    """The monitor carries the sum between runs: split anywhere, the crossing is the same."""
    rng = np.random.default_rng(6)
    events = (np.concatenate([rng.uniform(size=500) < 0.05, rng.uniform(size=500) < 0.2])).tolist()
    whole = bernoulli_cusum(events, p0=0.05, p1=0.1, limit=6.0)
    assert whole is not None and whole >= 500
    total, offset, crossed = 0.0, 0, None
    for cut in (37, 200, 499, 640, 1000):
        step = cusum_from(total, events[offset:cut], p0=0.05, p1=0.1, limit=6.0)
        if step.crossed is not None and crossed is None:
            crossed = offset + step.crossed
        total, offset = step.total, cut
    assert crossed == whole


def test_a_moved_mix_of_labels_alarms_and_a_steady_one_does_not() -> None:
    reference = {"fraud": 100, "legit": 900}
    assert not mix_shift("label_mix", reference, {"fraud": 11, "legit": 89}).alarm
    moved = mix_shift("label_mix", reference, {"fraud": 30, "legit": 70, "unsure": 5})
    assert moved.alarm and moved.p_value is not None and moved.p_value < 1e-6
    assert not mix_shift("label_mix", reference, {}).alarm, "nothing to compare"
