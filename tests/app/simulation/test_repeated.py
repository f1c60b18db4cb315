"""The kit's statistics over many seeds, without workflows: the drift watch's alarm comes
after the onset and within a bound in nearly every population and almost never before;
Learn-then-Test's threshold keeps its promise over populations the kit draws; the
formulas the kit injects by are checked against the libraries.

The rates asserted here were measured over these exact seeds (deterministic), and the
bounds are the issue's: each spec says what it measured.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.metrics import cohen_kappa_score

from signoff.app.simulation import (
    ConfidenceWatch,
    Drift,
    OverrideWatch,
    Scenario,
    generate,
)
from signoff.app.simulation.truth import expected_kappa
from signoff.app.simulation.watch import scripted_stream
from signoff.core.learning.threshold import DEFAULT_GRID, LabelledDecision, recommend_threshold
from tests.app.simulation.conftest import POPULATION

SEEDS = range(200)
AUTO_FROM = 0.9  # the `simulated` policy's auto-approve confidence


def test_the_same_seed_draws_the_same_population_and_another_seed_another() -> None:
    assert generate(POPULATION) == generate(POPULATION)
    other = generate(POPULATION.model_copy(update={"seed": POPULATION.seed + 1}))
    assert [d.confidence for d in other] != [d.confidence for d in generate(POPULATION)]


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"days": 5, "drift": {"day": 5}}, "the drift's day must be one of days 1 to 4"),
        ({"confidence": (0.9, 0.6)}, "confidence must be a range within [0, 1]"),
        ({"decisions": 3, "days": 4}, "there must be at least one decision a day"),
        ({"reviewer_error": 0.7}, "less than or equal to 0.5"),
    ],
)
def test_a_scenario_that_cannot_happen_is_refused_with_one_sentence(
    fields: dict[str, object], sentence: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Scenario.model_validate(fields)
    [error] = refused.value.errors()
    assert sentence in error["msg"]


def test_the_override_cusum_alarms_after_the_onset_within_five_days_and_almost_never_before() -> (
    None
):
    """Measured over these 200 populations: no alarm before the onset, 4 with none by
    the end, median delay 36 decisions, 95th percentile 79 (five days are 100)."""
    early, missed, delays = 0, 0, []
    for seed in SEEDS:
        scenario = POPULATION.model_copy(update={"seed": seed})
        onset = scenario.drift_onset
        assert onset is not None
        at = OverrideWatch().alarm(scripted_stream(generate(scenario), auto_from=AUTO_FROM))
        if at is None:
            missed += 1
        elif at < onset:
            early += 1
        else:
            delays.append(at - onset)
    assert early <= len(SEEDS) * 0.02, early
    within = sum(1 for d in delays if d <= 5 * scenario.per_day)
    assert within >= len(SEEDS) * 0.95, (within, missed, sorted(delays)[-10:])


def test_without_a_drift_the_override_cusum_stays_quiet_in_nine_populations_of_ten() -> None:
    """Measured: 13 false alarms in 200 populations of 240 decisions."""
    stable = POPULATION.model_copy(update={"drift": None})
    alarms = sum(
        OverrideWatch().alarm(
            scripted_stream(generate(stable.model_copy(update={"seed": s})), auto_from=AUTO_FROM)
        )
        is not None
        for s in SEEDS
    )
    assert alarms <= len(SEEDS) * 0.1, alarms


def test_a_confidence_shift_is_seen_on_its_day_and_a_stable_one_rarely() -> None:
    """Confidence 0.2 lower from day 6: measured, Kolmogorov-Smirnov alarms on day 6 in
    198 of 200 populations (2 on day 5); with no shift it alarms in 12 of 200."""
    shifted = POPULATION.model_copy(update={"drift": Drift(day=6, confidence_shift=-0.2)})
    days = [
        ConfidenceWatch().alarm(
            scripted_stream(generate(shifted.model_copy(update={"seed": s})), auto_from=AUTO_FROM)
        )
        for s in SEEDS
    ]
    assert days.count(6) >= len(SEEDS) * 0.95 and all(d is not None and d <= 6 for d in days)
    stable = POPULATION.model_copy(update={"drift": None})
    alarms = sum(
        ConfidenceWatch().alarm(
            scripted_stream(generate(stable.model_copy(update={"seed": s})), auto_from=AUTO_FROM)
        )
        is not None
        for s in SEEDS
    )
    assert alarms <= len(SEEDS) * 0.1, alarms


def _threshold_scenario(seed: int, decisions: int) -> Scenario:
    """A model overconfident by 6 points on confidences uniform on [0.3, 1]."""
    return Scenario(
        seed=seed,
        decisions=decisions,
        days=1,
        confidence=(0.3, 1.0),
        overconfidence=0.06,
        segment=None,
    )


def test_learn_then_test_keeps_the_realised_error_within_alpha_in_1_minus_delta_of_runs() -> None:
    """100 populations of 3,000 drawn by the kit under a policy that approves from 0.9
    with half its automatic approvals sampled for QA: the labelled pool is every reviewed
    decision and the sampled automatic ones, as Signoff would hold them. The true error
    of each tau is the kit's exact expectation over 50,000 fresh decisions.

    Measured: a threshold in 74 runs, over alpha in 3 (delta allows 10); the naive
    choice (the lowest tau whose observed error is within alpha) is over alpha in 30."""
    alpha, delta, runs, qa_rate = 0.15, 0.10, 100, 0.5
    fresh = generate(_threshold_scenario(10**6, 50_000))
    confidence = np.array([d.confidence for d in fresh])
    wrong = np.array([1 - d.chance_right for d in fresh])
    true_error = {tau: float(wrong[confidence >= tau].mean()) for tau in DEFAULT_GRID}
    exceeded = naive_exceeded = recommended = 0
    for seed in range(runs):
        population = generate(_threshold_scenario(seed, 3000))
        sampled = np.random.default_rng(seed + 10**5).random(len(population)) < qa_rate
        pool = [
            LabelledDecision(
                decision_id=f"{seed}-{d.index}",
                confidence=d.confidence,
                wrong=not d.right,
                labelled_with=qa_rate if d.confidence >= AUTO_FROM else 1.0,
            )
            for d in population
            if d.confidence < AUTO_FROM or sampled[d.index]
        ]
        advice = recommend_threshold(pool, alpha=alpha, delta=delta)
        observed = [p.threshold for p in advice.curve if p.error_rate is not None]
        naive = min(
            (
                p.threshold
                for p in advice.curve
                if p.threshold in observed and p.error_rate <= alpha
            ),  # type: ignore[operator]
            default=None,
        )
        naive_exceeded += naive is not None and true_error[naive] > alpha
        if advice.threshold is not None:
            recommended += 1
            exceeded += true_error[advice.threshold] > alpha
    assert recommended >= runs * 0.6, "the pools are large enough for a recommendation"
    assert exceeded <= delta * runs, exceeded
    assert naive_exceeded > delta * runs, "without the test the promise would not hold"


@pytest.mark.parametrize(("prevalence", "error"), [(0.5, 0.1), (0.7, 0.2), (0.3, 0.05)])
def test_the_injected_kappa_is_cohens_kappa_of_experts_wrong_at_that_rate(
    prevalence: float, error: float
) -> None:
    """The closed form the report compares with, checked against scikit-learn on
    200,000 items labelled by two experts drawn at that error rate."""
    rng = np.random.default_rng(4)
    truth = rng.random(200_000) < prevalence
    first = truth ^ (rng.random(truth.size) < error)
    second = truth ^ (rng.random(truth.size) < error)
    kappa, _, _ = expected_kappa(prevalence, error)
    assert cohen_kappa_score(first, second) == pytest.approx(kappa, abs=0.01)
