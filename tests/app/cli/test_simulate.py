"""``signoff simulate``: a population through the configured worker, then the evaluation
and what was injected beside what was recovered; impossible scenarios are one sentence."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from signoff.adapters.store import Store
from signoff.app.simulation import Scenario, SegmentBias, generate
from signoff.app.simulation.truth import labelled, mean_gap
from signoff.core.learning import EvaluationFilters
from tests.app.cli.conftest import Cli, runner_for
from tests.conftest import FIXTURES


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


async def test_an_embedded_simulation_runs_in_a_server_and_worker_of_its_own_and_stops_them(
    tmp_path: Path,
) -> None:
    """Nothing configured is reached: the environment names no server or store, and the
    run still ends with its report, its decisions in a store under --data-dir."""
    data = tmp_path / "embedded"
    env = {
        "SIGNOFF_POLICIES_FILE": str(FIXTURES / "policies.yaml"),
        "SIGNOFF_DIRECTORY_FILE": str(FIXTURES / "directory.yaml"),
        "SIGNOFF_TEMPORAL_ADDRESS": "127.0.0.1:1",  # nothing there: must not be used
        "COLUMNS": "200",
    }
    result = await runner_for(env)(
        "simulate",
        "--embedded",
        "--data-dir",
        str(data),
        "--policy",
        "simulated",
        "--requester",
        "rita",
        "--decisions",
        "12",
        "--days",
        "2",
    )

    assert result.exit_code == 0, result.output
    assert f"store sqlite:///{data.resolve()}/signoff.db" in result.stdout
    [use_case] = re.findall(r"as use case (simulation-\w+)", result.stdout)
    async with await Store.open(f"sqlite:///{data / 'signoff.db'}") as store:
        evaluation = await store.evaluate(EvaluationFilters(use_case=use_case))
    assert evaluation.decisions == 12
    running = subprocess.run(["pgrep", "-f", str(data)], capture_output=True, text=True)
    assert running.stdout == "", "the embedded Temporal server is stopped"


async def test_a_policy_the_worker_does_not_know_stops_the_simulation_with_its_sentence(
    cli: Cli,
) -> None:
    result = await cli(
        "simulate",
        "--policy",
        "no-such-policy",
        "--requester",
        "rita",
        "--decisions",
        "8",
        "--days",
        "2",
    )

    assert result.exit_code == 1, result.output  # as `signoff submit` says it
    assert "Cannot submit: unknown policy 'no-such-policy'; known policies:" in result.stderr
    assert "Unexpected error" not in result.output and "Traceback" not in result.output
