"""A population with known truth, driven through real workflows by scripted people: the
evaluation and the drift watch, read back from the store, recover what was injected.

Each tolerance is derived in :mod:`signoff.app.simulation.truth` (three standard
deviations of the sampling noise around the population's exact expectation, plus the
labels the experts settled wrongly); none is tuned to this seed.
"""

from __future__ import annotations

from signoff.app.simulation import SimulationReport
from tests.app.simulation.conftest import POPULATION


def _holds(report: SimulationReport, metric: str) -> None:
    row = report.get(metric)
    assert row.holds, row
    assert not row.note, row.note


async def test_the_calibration_error_recovers_the_injected_overconfidence(
    simulated: SimulationReport,
) -> None:
    row = simulated.get("calibration ECE")
    _holds(simulated, "calibration ECE")
    # The population's exact expectation, above the 0.15 overconfidence by the segment's
    # and the drift's lower accuracy at the same confidence.
    assert 0.3 < row.injected < 0.5  # type: ignore[operator]
    assert row.tolerance is not None and row.tolerance < 0.12


async def test_each_segment_is_as_miscalibrated_as_it_was_made(
    simulated: SimulationReport,
) -> None:
    north = simulated.get("calibration ECE region=north")
    south = simulated.get("calibration ECE region=south")
    _holds(simulated, "calibration ECE region=north")
    _holds(simulated, "calibration ECE region=south")
    assert south.recovered - north.recovered > 0.1  # type: ignore[operator]


async def test_the_segment_the_model_treats_worse_is_flagged_under_four_fifths(
    simulated: SimulationReport,
) -> None:
    gap = simulated.get("accuracy gap region (north - south)")
    ratio = simulated.get("accuracy min/max ratio region")
    _holds(simulated, "accuracy gap region (north - south)")
    assert ratio.injected is not None and ratio.injected < 0.8
    assert ratio.recovered is not None and ratio.recovered < 0.8
    assert ratio.note == "flagged under 0.8"
    [cohort] = simulated.evaluation.cohorts
    accuracy = next(
        g for g in cohort.fairness if (g.attribute, g.metric) == ("region", "quality.accuracy")
    )
    assert accuracy.flagged and accuracy.compared == ["north", "south"]
    assert gap.recovered == accuracy.largest_gap


async def test_expert_agreement_is_near_what_two_experts_wrong_one_time_in_ten_give(
    simulated: SimulationReport,
) -> None:
    disagreement = simulated.get("expert disagreement rate")
    assert disagreement.injected == 2 * 0.1 * 0.9
    for metric in (
        "expert disagreement rate",
        "Cohen's kappa (experts)",
        "Fleiss' kappa (experts)",
        "Krippendorff's alpha (experts)",
    ):
        _holds(simulated, metric)
    [cohort] = simulated.evaluation.cohorts
    assert cohort.agreement.items == POPULATION.decisions
    assert cohort.agreement.experts == ["xena", "yuri"]


async def test_each_reviewers_accuracy_against_settled_truth_is_their_injected_one(
    simulated: SimulationReport,
) -> None:
    rows = [c for c in simulated.comparisons if c.metric.startswith("reviewer accuracy")]
    assert {r.metric for r in rows} == {"reviewer accuracy alice", "reviewer accuracy bob"}
    for row in rows:
        assert row.injected == 0.9 and row.holds, row


async def test_the_drift_is_detected_after_its_onset_within_five_days_and_never_before(
    simulated: SimulationReport,
) -> None:
    onset = POPULATION.drift_onset
    assert onset == 120
    row = simulated.get("drift onset (override CUSUM, decision)")
    assert row.injected == onset and row.recovered is not None
    assert onset <= row.recovered <= onset + 100, row


async def test_the_stream_the_store_holds_is_the_one_the_script_played(
    simulated: SimulationReport,
) -> None:
    """What the drift watch read is what people did: every decision, in order, auto
    exactly from the policy's 0.9, departures exactly where the script departed."""
    from signoff.app.simulation import generate
    from signoff.app.simulation.watch import scripted_stream

    expected = scripted_stream(generate(POPULATION), auto_from=0.9)
    assert [o.model_dump() for o in simulated.stream] == [o.model_dump() for o in expected]
