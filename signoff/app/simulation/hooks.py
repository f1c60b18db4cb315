"""Day hooks that close the loop inside a simulation: the drift watch trips the circuit
breaker, and the policy's owners, scripted, sign the restore off a day later.

This is also where the learning loop's scheduled parts plug into a simulation: a hook
gets each simulated day's real time span (``DayEnd.day.since``/``until``), which is what
a drift monitor run or a threshold recommendation selects decisions by. A monitor's run
(``signoff.client.monitors.run_now`` on the drift-monitors branch) or ``signoff policy
recommend`` (the ladder-gates branch) belongs in a hook like :class:`BreakerOnDrift`,
in place of its own watch, once merged.
"""

from __future__ import annotations

import asyncio

from signoff.adapters.store import Store
from signoff.app.simulation.people import SimulationError
from signoff.app.simulation.report import observed_stream
from signoff.app.simulation.runner import DayEnd
from signoff.app.simulation.watch import Observed, OverrideWatch
from signoff.client.ladder import trip_breaker
from signoff.client.signoff_client import SignoffClient
from signoff.core.errors import DecisionNotFound
from signoff.core.models.routing import BreakerTrip

CATCH_UP = 30.0
"""How long a hook waits for the store to hold what the day's workflows did."""


class BreakerOnDrift:
    """After each day, the override CUSUM over the run's stream as the store holds it;
    on its first alarm the breaker is tripped, and the hook returns only once the
    demotion is in force, so the next day is routed by it. ``restore_after`` days
    later the restore decision's first asked owner approves it.

    Args:
        signoff: The run's client (its voucher acts for the owners).
        store: Where the watch reads the stream.
        requester: Who the restore proposal is from.
        watch: The CUSUM's settings.
        restore_after: Days at suggest before the owners restore (None: never).
    """

    def __init__(
        self,
        signoff: SignoffClient,
        store: Store,
        *,
        requester: str,
        watch: OverrideWatch | None = None,
        restore_after: int | None = 1,
    ) -> None:
        self.signoff, self.store, self.requester = signoff, store, requester
        self.watch = watch or OverrideWatch()
        self.restore_after = restore_after
        self.trip: BreakerTrip | None = None
        self.alarm_index: int | None = None
        self.tripped_day: int | None = None
        self.restored_day: int | None = None

    async def __call__(self, end: DayEnd) -> None:
        if self.trip is None:
            stream = await self._caught_up(end)
            self.alarm_index = self.watch.alarm(stream)
            if self.alarm_index is not None:
                await self._trip(end)
        elif self.restored_day is None and self.restore_after is not None:
            assert self.tripped_day is not None
            if end.day.day >= self.tripped_day + self.restore_after:
                await self._restore()
                self.restored_day = end.day.day

    @property
    def restore_decision(self) -> str:
        assert self.trip is not None
        return f"policy-change-{self.trip.policy}-{self.trip.restore_key}"

    async def _caught_up(self, end: DayEnd) -> list[Observed]:
        days = {r.index: r.day for r in end.records}
        reviewed = sum(1 for r in end.records if r.route == "human")
        deadline = asyncio.get_running_loop().time() + CATCH_UP
        while True:
            stream = await observed_stream(self.store, end.use_case, days)
            verdicts = sum(1 for o in stream if o.departed is not None)
            if len(stream) == len(end.records) and verdicts == reviewed:
                return stream
            if asyncio.get_running_loop().time() > deadline:
                raise SimulationError(
                    f"The store did not catch up with day {end.day.day} within {CATCH_UP:.0f} s."
                )
            await asyncio.sleep(0.2)

    async def _trip(self, end: DayEnd) -> None:
        self.trip = BreakerTrip(
            policy=end.policy,
            reason=f"The override rate of simulation {end.run_id} rose (CUSUM alarm at"
            f" decision {self.alarm_index}, day {end.day.day}).",
            alarm=f"simulation-{end.run_id}-overrides",
            requester=self.requester,
        )
        await trip_breaker(self.signoff, self.trip)
        self.tripped_day = end.day.day
        await self._owners_asked()  # the demotion is written before the owners are asked

    async def _owners_asked(self) -> list[str]:
        deadline = asyncio.get_running_loop().time() + CATCH_UP
        while asyncio.get_running_loop().time() < deadline:
            try:
                state = await self.signoff.state(self.restore_decision)
            except DecisionNotFound:
                state = None
            if state is not None and state.stage is not None and state.stage.waiting_on:
                return state.stage.waiting_on
            await asyncio.sleep(0.2)
        raise SimulationError(f"The restore decision '{self.restore_decision}' never asked anyone.")

    async def _restore(self) -> None:
        owner = (await self._owners_asked())[0]
        state = await self.signoff.state(self.restore_decision)
        assert state.stage is not None
        await self.signoff.perform(
            self.restore_decision, "approve", owner, seen_stage=state.stage.index
        )
        assert self.trip is not None
        handle = self.signoff.temporal.get_workflow_handle(self.trip.workflow_id)
        await handle.result()  # the restored routing version is written
