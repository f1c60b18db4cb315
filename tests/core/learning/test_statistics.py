"""The learning loop's statistics, each checked against published values, a hand
computation, or the library that defines it."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from signoff.core.learning import (
    NOT_ENOUGH_DATA,
    EvaluationFilters,
    agreement,
    calibration,
    evaluation,
    normalised_edit_distance,
    percentiles,
    segment_gap,
    wilson,
)
from signoff.core.learning.tally import Tally

# Fleiss (1971) as worked on Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters each,
# 5 categories; kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example
# with missing values: 4 observers, 12 units; alpha = 0.743.
KRIPPENDORFF_UNITS = [
    "1.11", "2232", "3333", "3333", "2222", "1234",
    "4444", "1121", "2222", ".555", "..11", ".3..",
]  # fmt: skip


def test_a_wilson_interval_is_the_score_interval_worked_by_hand() -> None:
    k, n, z = 7, 23, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)

    rate = wilson(k, n)

    assert (rate.value, rate.low, rate.high) == pytest.approx((p, centre - half, centre + half))


def test_a_rate_of_nothing_is_not_enough_data_and_an_impossible_one_is_refused() -> None:
    assert wilson(0, 0).model_dump(exclude_none=True) == {
        "successes": 0,
        "total": 0,
        "note": NOT_ENOUGH_DATA,
    }
    assert wilson(3, 5, minimum=10).value is None
    with pytest.raises(ValueError, match="0 <= successes <= total"):
        wilson(6, 5)


def test_ece_mce_and_brier_match_a_hand_computation() -> None:
    # Five at 0.9 with three right (gap 0.3), five at 0.3 with one right (gap 0.1).
    confidence = [0.9] * 5 + [0.3] * 5
    correct = [True, True, True, False, False, *[True, False, False, False, False]]

    result = calibration(confidence, correct)

    assert result.ece == pytest.approx(0.5 * 0.3 + 0.5 * 0.1)
    assert result.mce == pytest.approx(0.3)
    # (3 * 0.1² + 2 * 0.9² + 0.7² + 4 * 0.3²) / 10
    assert result.brier == pytest.approx(0.25)
    filled = [b for b in result.bins if b.count]
    assert [b.count for b in filled] == [5, 5]
    assert [b.lower for b in filled] == pytest.approx([0.2, 0.8])
    assert [b.accuracy for b in filled] == pytest.approx([0.2, 0.6])


def test_reliability_bins_agree_with_scikit_learns_calibration_curve() -> None:
    rng = random.Random(14)
    confidence = [rng.random() for _ in range(500)] + [0.0, 0.1, 0.5, 1.0]
    correct = [rng.random() < c for c in confidence]

    bins = [b for b in calibration(confidence, correct).bins if b.count]
    prob_true, prob_pred = calibration_curve(correct, confidence, n_bins=10, strategy="uniform")

    assert [b.accuracy for b in bins] == pytest.approx(list(prob_true))
    assert [b.mean_confidence for b in bins] == pytest.approx(list(prob_pred))


def test_fleiss_kappa_reproduces_fleiss_classic_example() -> None:
    items = []
    for counts in FLEISS_TABLE:
        labels = [str(category) for category, n in enumerate(counts) for _ in range(n)]
        items.append({f"r{i}": label for i, label in enumerate(labels)})

    result = agreement(items)

    assert result.fleiss_items == 10
    assert result.fleiss_kappa == pytest.approx(0.210, abs=5e-4)


def test_krippendorffs_alpha_reproduces_the_published_example_with_missing_values() -> None:
    items = [
        {obs: value for obs, value in zip("ABCD", unit, strict=True) if value != "."}
        for unit in KRIPPENDORFF_UNITS
    ]

    result = agreement(items)

    assert result.items == 11  # the last unit has one value: nothing to pair it with
    assert result.krippendorff_alpha == pytest.approx(0.743, abs=5e-4)


def test_agreement_with_fewer_than_two_shared_items_is_not_enough_data() -> None:
    result = agreement([{"xena": "fraud", "yuri": "fraud"}, {"xena": "legit"}])
    assert (result.items, result.fleiss_kappa, result.note) == (1, None, NOT_ENOUGH_DATA)


def test_experts_who_always_agree_on_one_label_agree_completely() -> None:
    result = agreement([{"a": "ok", "b": "ok"}] * 3)
    assert result.krippendorff_alpha == 1.0
    assert (result.fleiss_kappa, result.cohen) == (None, [])


def test_normalised_edit_distance_is_levenshtein_over_the_longer_string() -> None:
    assert normalised_edit_distance("kitten", "sitting") == pytest.approx(3 / 7)
    assert normalised_edit_distance("same", "same") == 0.0
    assert normalised_edit_distance("", "abc") == 1.0


def test_percentiles_interpolate_as_numpy_and_nothing_is_not_enough_data() -> None:
    result = percentiles([float(i) for i in range(1, 101)])
    assert (result.p50, result.p90, result.p99) == pytest.approx((50.5, 90.1, 99.01))
    assert percentiles([]).note == NOT_ENOUGH_DATA


def test_a_segment_under_four_fifths_of_the_best_is_flagged() -> None:
    gap = segment_gap(
        "region",
        "accuracy",
        {"north": wilson(45, 50), "south": wilson(30, 50), "tiny": wilson(0, 3)},
        minimum_group=30,
    )
    assert gap.compared == ["north", "south"]
    assert gap.largest_gap == pytest.approx(0.9 - 0.6)
    assert gap.min_max_ratio == pytest.approx(0.6 / 0.9)
    assert gap.flagged


def test_segments_at_four_fifths_or_above_or_all_at_zero_are_not_flagged() -> None:
    fair = segment_gap("region", "a", {"n": wilson(40, 50), "s": wilson(32, 50)}, minimum_group=1)
    zero = segment_gap("region", "a", {"n": wilson(0, 50), "s": wilson(0, 50)}, minimum_group=1)
    assert (fair.min_max_ratio, fair.flagged) == (pytest.approx(0.8), False)
    assert (zero.min_max_ratio, zero.flagged) == (1.0, False)


def test_one_segment_large_enough_cannot_be_compared() -> None:
    gap = segment_gap("region", "a", {"n": wilson(40, 50), "s": wilson(1, 2)}, minimum_group=30)
    assert (gap.largest_gap, gap.flagged, gap.note) == (None, False, NOT_ENOUGH_DATA)


def test_an_empty_evaluation_says_not_enough_data_and_never_nan() -> None:
    empty = Tally().finish().model_dump_json()
    assert "NaN" not in empty and "Infinity" not in empty
    assert empty.count(NOT_ENOUGH_DATA) >= 20
    assert evaluation(EvaluationFilters(), [], label_sources={}).cohorts == []


def test_a_worker_starts_without_loading_the_statistics_libraries() -> None:
    code = (
        "import sys, signoff.app.plugin, signoff.adapters.store, signoff.core.learning;"
        "print(sorted(m for m in ('numpy','sklearn','statsmodels','scipy','matplotlib')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_numpy_is_what_the_tests_compare_against() -> None:
    assert np.percentile([1.0, 2.0], 50) == 1.5


def test_the_wilson_interval_is_statsmodels_for_every_count_up_to_sixty() -> None:
    from scipy.stats import norm
    from statsmodels.stats.proportion import proportion_confint

    from signoff.core.learning.intervals import CONFIDENCE, Z

    assert norm.ppf(1 - (1 - CONFIDENCE) / 2) == pytest.approx(Z, abs=1e-15)
    for n in [*range(1, 61), 1_000, 1_000_000]:
        for k in {0, 1, n // 3, n // 2, n - 1, n} - {-1}:
            rate = wilson(k, n)
            low, high = proportion_confint(k, n, alpha=1 - CONFIDENCE, method="wilson")
            assert (rate.low, rate.high) == pytest.approx((low, high), abs=1e-12), (k, n)
