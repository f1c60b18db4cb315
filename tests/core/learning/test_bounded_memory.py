"""An evaluation's memory does not grow with the decisions it reads: percentiles come
from a t-digest within its stated error of numpy's, calibration and the risk-coverage
curve from counts in fixed bins that give what the full lists gave."""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss

from signoff.core.learning import DecisionFacts, Truth, calibration, percentiles
from signoff.core.learning.evaluate import THRESHOLDS, risk_coverage
from signoff.core.learning.labels import LabelSource
from signoff.core.learning.latency import CENTROIDS, RELATIVE_ERROR
from signoff.core.learning.tally import Tally

SAMPLES = {
    "lognormal seconds": lambda rng, n: rng.lognormal(7.0, 1.2, n),
    "exponential seconds": lambda rng, n: rng.exponential(1_800.0, n),
    "beta edit sizes": lambda rng, n: rng.beta(2.0, 8.0, n),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_percentiles_of_a_large_sample_are_within_the_stated_error_of_numpys(
    sample: str,
) -> None:
    values = SAMPLES[sample](np.random.default_rng(14), 200_000)

    result = percentiles(values)

    exact = np.percentile(values, [50, 90, 99])
    assert result.count == len(values)
    for got, want in zip((result.p50, result.p90, result.p99), exact, strict=True):
        assert got == pytest.approx(want, rel=RELATIVE_ERROR)


def test_percentiles_of_as_many_values_as_the_digest_holds_are_numpys_exactly() -> None:
    values = np.random.default_rng(3).exponential(60.0, CENTROIDS)

    result = percentiles(values)

    assert [result.p50, result.p90, result.p99] == pytest.approx(
        list(np.percentile(values, [50, 90, 99])), rel=1e-12
    )


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


def _decision(i: int, rng: random.Random) -> tuple[DecisionFacts, Truth | None]:
    submitted = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    first = submitted + timedelta(seconds=rng.expovariate(1 / 1_800))
    facts = DecisionFacts.model_construct(
        decision_id=f"d{i}",
        use_case="refunds",
        model_version="v1",
        prompt_version="",
        policy_name="p",
        policy_version="1",
        segment={"region": "north"},
        confidence=rng.random(),
        route="human",
        sampled_for_qa=False,
        status="approved_with_edits",
        human_accepted=False,
        human_status="approved_with_edits",
        overridden=False,
        edit_distance=rng.random(),
        predicted_label="refund",
        submitted_at=submitted,
        first_action_at=first,
        decided_at=first + timedelta(seconds=rng.expovariate(1 / 300)),
        escalations=0,
        sla_breaches=0,
        thumbs_up=1,
        thumbs_down=0,
        corrections=0,
        expert_labels={},
        votes=[("alice", "edit")],
    )
    truth = Truth(label=rng.choice(["refund", "keep"]), source=LabelSource.EXPERT)
    return facts, truth


def _traced_growth(tally: Tally, start: int, count: int) -> int:
    rng = random.Random(start)
    decisions = [_decision(i, rng) for i in range(start, start + count)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for facts, truth in decisions:
            tally.add(facts, truth)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_a_groups_memory_stops_growing_once_its_digests_are_full() -> None:
    tally = Tally()
    _traced_growth(tally, 0, 20_000)  # past the digests' centroid count: they are full

    grown = _traced_growth(tally, 20_000, 20_000)

    # A value per decision would be 20,000 x 8 bytes for each of six series (~940 KB).
    assert grown < 16_000, f"{grown} bytes for 20,000 more decisions"
    result = tally.finish()
    assert result.decisions == 40_000 and result.timing.handling.count == 40_000
    assert result.calibration.count == 40_000
