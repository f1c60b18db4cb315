"""Learn-then-Test recommends an auto-approve threshold that keeps its promise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from signoff.core.learning.threshold import (
    LabelledDecision,
    recommend_threshold,
    thinned,
)


def population(rng: np.random.Generator, n: int, *, bias: float = 0.0) -> list[LabelledDecision]:
    """Decisions whose chance of being right is their confidence minus ``bias``."""
    confidence = rng.uniform(0.3, 1.0, n)
    right = rng.uniform(0, 1, n) < np.clip(confidence - bias, 0, 1)
    return [
        LabelledDecision(decision_id=f"d{i}", confidence=float(c), wrong=not r)
        for i, (c, r) in enumerate(zip(confidence, right, strict=True))
    ]


def realised_error(rng: np.random.Generator, tau: float, bias: float) -> float:
    """The error among automatic approvals at ``tau`` on fresh traffic (many draws)."""
    confidence = rng.uniform(0.3, 1.0, 200_000)
    approved = confidence >= tau
    right = rng.uniform(0, 1, approved.sum()) < np.clip(confidence[approved] - bias, 0, 1)
    return float(1 - right.mean())


def test_the_recommended_threshold_keeps_the_error_within_alpha_in_1_minus_delta_of_runs() -> None:
    """Repeated simulations of a model overconfident by 6 points: the error among
    automatic approvals at the recommended tau exceeds alpha in no more than delta of them.

    The grid's 0.80 has a true error of 0.16, just over alpha = 0.15: approving from the
    tau whose observed error is under alpha (no test) takes it in about a quarter of runs."""
    alpha, delta, runs = 0.15, 0.10, 200
    rng = np.random.default_rng(7)
    exceeded, recommended = 0, 0
    for _ in range(runs):
        advice = recommend_threshold(population(rng, 2000, bias=0.06), alpha=alpha, delta=delta)
        if advice.threshold is None:
            continue
        recommended += 1
        # The true error of a tau is known in closed form here: right with chance c - 0.06
        # for c uniform on [tau, 1], so the error is 0.06 + (1 - tau) / 2.
        true_error = 0.06 + (1 - advice.threshold) / 2
        exceeded += true_error > alpha
    assert recommended > runs * 0.8, "the pool is large enough for a recommendation"
    assert exceeded / runs <= delta, (exceeded, runs)


def test_the_closed_form_error_used_above_matches_simulated_traffic() -> None:
    rng = np.random.default_rng(1)
    for tau in (0.82, 0.9, 0.96):
        assert realised_error(rng, tau, 0.06) == pytest.approx(0.06 + (1 - tau) / 2, abs=0.004)


def test_a_well_calibrated_model_is_trusted_further_down_than_an_overconfident_one() -> None:
    rng = np.random.default_rng(3)
    calibrated = recommend_threshold(population(rng, 3000), alpha=0.15, delta=0.1)
    overconfident = recommend_threshold(population(rng, 3000, bias=0.05), alpha=0.15, delta=0.1)
    assert calibrated.threshold is not None and overconfident.threshold is not None
    assert calibrated.threshold < overconfident.threshold
    assert calibrated.coverage > overconfident.coverage


def test_too_few_labels_give_no_threshold_rather_than_a_guess() -> None:
    rng = np.random.default_rng(5)
    advice = recommend_threshold(population(rng, 8), alpha=0.05, delta=0.05)
    assert advice.threshold is None
    assert not any(point.passed for point in advice.curve)


def test_the_walk_stops_at_the_first_threshold_that_fails_even_if_a_lower_one_would_pass() -> None:
    """Fixed-sequence testing: below a failing tau nothing is claimed, whatever the data."""
    good = [LabelledDecision(decision_id=f"g{i}", confidence=0.7, wrong=False) for i in range(300)]
    bad = [
        LabelledDecision(decision_id=f"b{i}", confidence=0.85, wrong=i % 2 == 0) for i in range(60)
    ]
    top = [LabelledDecision(decision_id=f"t{i}", confidence=0.97, wrong=False) for i in range(200)]
    advice = recommend_threshold(good + bad + top, alpha=0.1, delta=0.1)
    assert advice.threshold == 0.9
    at_07 = next(p for p in advice.curve if p.threshold == 0.7)
    assert not at_07.passed


def test_the_p_value_is_the_binomial_tail_bentkus_bounds_for_binary_losses() -> None:
    """For 0/1 losses the binary Bentkus p-value is P(Binomial(n, alpha) ≤ errors), which
    the Hoeffding bound can only lower; checked against SciPy directly."""
    decisions = [
        LabelledDecision(decision_id=f"d{i}", confidence=0.95, wrong=i < 3) for i in range(100)
    ]
    point = next(
        p for p in recommend_threshold(decisions, alpha=0.1, delta=0.1).curve if p.threshold == 0.95
    )
    assert point.errors == 3 and point.approved == 100
    assert point.p_value <= binom.cdf(3, 100, 0.1) + 1e-12
    assert point.p_value == pytest.approx(binom.cdf(3, 100, 0.1), rel=1e-9)


def test_reviewed_decisions_are_thinned_to_the_qa_rate_so_the_pool_is_uniform() -> None:
    reviewed = [
        LabelledDecision(decision_id=f"r{i}", confidence=0.6, wrong=False) for i in range(10_000)
    ]
    sampled = [
        LabelledDecision(decision_id=f"q{i}", confidence=0.97, wrong=False, labelled_with=0.1)
        for i in range(1_000)
    ]
    pool = thinned(reviewed + sampled)
    kept_reviewed = sum(d.decision_id.startswith("r") for d in pool)
    assert sum(d.decision_id.startswith("q") for d in pool) == 1_000
    assert kept_reviewed == pytest.approx(1_000, rel=0.1)
    assert thinned(reviewed + sampled) == pool, "the same data gives the same pool"


def test_alpha_and_delta_outside_the_unit_interval_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        recommend_threshold([], alpha=0.0, delta=0.1)
