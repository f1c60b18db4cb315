"""``signoff simulate``: a population through the configured worker, then the evaluation
and what was injected beside what was recovered; impossible scenarios are one sentence."""

from __future__ import annotations

import re

import pytest

from signoff.app.simulation import Scenario, SegmentBias, generate
from signoff.app.simulation.truth import labelled, mean_gap
from tests.app.cli.conftest import Cli


async def test_simulate_prints_the_evaluation_and_what_was_injected_beside_what_came_back(
    cli: Cli,
) -> None:
    result = await cli(
        "simulate",
        "--policy",
        "simulated",
        "--requester",
        "rita",
        "--decisions",
        "40",
        "--days",
        "4",
        "--seed",
        "3",
        "--drift-day",
        "2",
        "--min-group",
        "10",
    )

    assert result.exit_code == 0, result.output
    [use_case] = re.findall(r"as use case (simulation-\w+)", result.stdout)
    assert f"Injected and recovered: {use_case}" in result.stdout
    assert "automation rate" in result.stdout  # the evaluation's own summary
    scenario = Scenario(
        seed=3,
        decisions=40,
        days=4,
        segment=SegmentBias(accuracy_gap=0.25),
        drift={"day": 2, "accuracy_drop": 0.3},
    )
    injected = mean_gap([d for d in generate(scenario) if labelled(d)])
    [row] = [line for line in result.stdout.splitlines() if re.search(r"calibration ECE +│", line)]
    assert f"{injected:.3f}" in row
    for metric in ("Cohen's kappa (experts)", "accuracy gap region", "drift onset"):
        assert metric in result.stdout
    [gap] = [line for line in result.stdout.splitlines() if "accuracy gap region" in line]
    assert re.search(r"│ 0\.\d{3} +│ 0\.\d{3} +│", gap), "groups of 10 are compared"


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--drift-day", "12"], "The drift's day must be one of days 1 to 9."),
        (["--segment-gap", "1.5"], "--segment-gap: Input should be less than or equal to 1."),
        (["--days", "50", "--decisions", "20"], "There must be at least one decision a day."),
        (["--requester", "nobody"], "Nobody called 'nobody' is in the directory"),
    ],
)
async def test_an_impossible_simulation_is_one_sentence_and_submits_nothing(
    cli: Cli, args: list[str], sentence: str
) -> None:
    result = await cli("simulate", "--policy", "simulated", *args)

    assert result.exit_code == 2, result.output
    assert sentence in result.output
    assert "Simulating" not in result.output and "Traceback" not in result.output
