"""Drive a population through real decision workflows, a simulated day at a time.

Each simulated day's decisions run concurrently (submitted, reviewed, labelled, their
outcomes reported); the days run one after another, so the real time each day ran in
is a window of its own: ``DaySpan.since``/``until`` are what a drift monitor or an
evaluation selects the day by (they window on submission time). Each request also
carries its simulated time in ``metadata["simulation"]``. After each day, the hooks
run: the place to run a drift monitor, ask for a threshold recommendation, or trip the
breaker, before the next day's decisions are routed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from signoff.app.simulation.people import give_feedback, review
from signoff.app.simulation.population import SimulatedDecision, generate
from signoff.app.simulation.scenario import Scenario
from signoff.client.signoff_client import SignoffClient
from signoff.core.models import DecisionRequest, ModelInfo, Proposal
from signoff.core.models.state import Status

MODEL_NAME = "simulated-model"
OUTCOME_LAG = timedelta(hours=12)
"""How long after a simulated decision its real-world outcome happens."""


class DecisionRecord(BaseModel):
    """What happened to one simulated decision, as its workflow answered."""

    decision_id: str
    index: int
    day: int
    status: Status
    route: Literal["auto", "human"]
    policy_version: str
    reviewer: str
    settled_wrong: bool
    """The experts settled a label the simulation knows to be wrong."""


class DaySpan(BaseModel):
    """One simulated day: the real time it ran in, and its decisions' indices."""

    day: int
    since: datetime
    until: datetime
    first: int
    last: int


class DayEnd(BaseModel):
    """What a hook is told after a day: the day, and every record so far."""

    run_id: str
    use_case: str
    policy: str
    day: DaySpan
    records: list[DecisionRecord]


DayHook = Callable[[DayEnd], Awaitable[None]]


class SimulationRun(BaseModel):
    run_id: str
    use_case: str
    policy: str
    scenario: Scenario
    population: list[SimulatedDecision]
    records: list[DecisionRecord]
    days: list[DaySpan]


class Simulation:
    """A scenario's population, run through ``signoff``'s worker under ``policy``.

    Args:
        signoff: The client; its voucher must be trusted to act for the policy's people.
        scenario: What to inject.
        policy: A policy of the worker's catalog; its people act as scripted.
        requester: Who submits the decisions (never one of their reviewers).
        run_id: Names the run's use case (``simulation-<run_id>``) and decision ids; a
            fresh one by default, since decision ids are idempotency keys.
        concurrency: How many of a day's decisions run at once.
        hooks: Awaited in order after each day.
    """

    def __init__(
        self,
        signoff: SignoffClient,
        scenario: Scenario,
        *,
        policy: str,
        requester: str,
        run_id: str | None = None,
        concurrency: int = 16,
        hooks: Sequence[DayHook] = (),
    ) -> None:
        self.signoff, self.scenario, self.policy = signoff, scenario, policy
        self.requester = requester
        self.run_id = run_id or uuid.uuid4().hex[:10]
        self.use_case = f"simulation-{self.run_id}"
        self.limit = asyncio.Semaphore(concurrency)
        self.hooks = list(hooks)
        self.population = generate(scenario)
        self.first_routed = asyncio.Event()
        """Set once a worker routed the first decision: until then, none may be running."""

    async def run(self) -> SimulationRun:
        clock_end = datetime.now(UTC)
        records: list[DecisionRecord] = []
        days: list[DaySpan] = []
        for day in range(self.scenario.days):
            todays = [d for d in self.population if d.day == day]
            since = datetime.now(UTC)
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = [group.create_task(self._one(d, clock_end)) for d in todays]
            except ExceptionGroup as failed:
                # The day stops at its first failure (the others were cancelled, or failed
                # alike: an unknown policy refuses every decision); that one says why.
                raise _first(failed) from None
            records.extend(t.result() for t in tasks)
            span = DaySpan(
                day=day,
                since=since,
                until=datetime.now(UTC),
                first=todays[0].index,
                last=todays[-1].index,
            )
            days.append(span)
            end = DayEnd(
                run_id=self.run_id,
                use_case=self.use_case,
                policy=self.policy,
                day=span,
                records=list(records),
            )
            for hook in self.hooks:
                await hook(end)
        return SimulationRun(
            run_id=self.run_id,
            use_case=self.use_case,
            policy=self.policy,
            scenario=self.scenario,
            population=self.population,
            records=records,
            days=days,
        )

    def simulated_at(self, decision: SimulatedDecision, clock_end: datetime) -> datetime:
        """When the decision happens on the simulated clock, whose last day ends now."""
        position = decision.index * self.scenario.days / self.scenario.decisions
        return clock_end - timedelta(days=self.scenario.days - position)

    def request(self, decision: SimulatedDecision, at: datetime) -> DecisionRequest:
        return DecisionRequest(
            id=f"sim-{self.run_id}-{decision.index:05d}",
            use_case=self.use_case,
            subject=f"case-{decision.index}",
            title=f"Simulated decision {decision.index} (day {decision.day})",
            proposal=Proposal(text=f"Proposal {decision.index} of simulation {self.run_id}."),
            confidence=decision.confidence,
            model=ModelInfo(name=MODEL_NAME, version=self.scenario.model_version),
            risk_tier=self.scenario.risk_tier,
            segment=decision.segment,
            requester=self.requester,
            policy=self.policy,
            metadata={
                "simulation": {
                    "run": self.run_id,
                    "index": decision.index,
                    "day": decision.day,
                    "at": at.isoformat(),
                }
            },
        )

    async def _one(self, decision: SimulatedDecision, clock_end: datetime) -> DecisionRecord:
        at = self.simulated_at(decision, clock_end)
        async with self.limit:
            state = await self.signoff.submit(self.request(decision, at))
            self.first_routed.set()
            route: Literal["auto", "human"] = "human" if state.stage is not None else "auto"
            reviewer = await review(self.signoff, decision, state) if route == "human" else ""
            state = await self.signoff.state(state.decision_id)
            outcome_at = min(at + OUTCOME_LAG, datetime.now(UTC))
            wrong = await give_feedback(
                self.signoff, decision, state, reviewer=reviewer, outcome_at=outcome_at
            )
        return DecisionRecord(
            decision_id=state.decision_id,
            index=decision.index,
            day=decision.day,
            status=state.status,
            route=route,
            policy_version=state.plan.policy_version,
            reviewer=reviewer,
            settled_wrong=wrong,
        )


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
