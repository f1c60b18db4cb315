"""One simulated population through real workflows for the whole module: the specs
read it from different angles, and running it once keeps ``make test`` quick."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from signoff.adapters.store import Store
from signoff.app.simulation import Drift, Scenario, Simulation, SimulationReport
from signoff.app.simulation.report import settled_report
from signoff.core.settings import Settings
from tests.conftest import Harness

POPULATION = Scenario(
    seed=11,
    decisions=240,
    days=12,
    overconfidence=0.15,
    drift=Drift(day=6, accuracy_drop=0.4),
    reviewer_error=0.1,
    expert_error=0.1,
)
"""Twenty decisions a simulated day; from day 6 (decision 120) the model is right 40
points less often, with the same confidence."""


@pytest.fixture(scope="module")
async def simulated(
    dev_env: WorkflowEnvironment, settings: Settings, store_url: str
) -> AsyncIterator[SimulationReport]:
    harness = Harness(dev_env.client, settings)
    async with harness.worker(), await Store.open(store_url) as store:
        run = await Simulation(
            harness.signoff, POPULATION, policy="simulated", requester="rita", concurrency=32
        ).run()
        yield await settled_report(store, run)
