"""One workflow before and after a change made later than the gathering patch, for the
replay specs of ``workflows.behaviours``."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.behaviours import Behaviours

NAME = "test.Versioned"


@workflow.defn(name=NAME)
class BeforeTheLaterChange:
    def __init__(self) -> None:
        self._behaviours = Behaviours()

    @workflow.run
    async def run(self) -> bool:
        return self._behaviours.has("cards-from-store")


@workflow.defn(name=NAME)
class AfterTheLaterChange:
    def __init__(self) -> None:
        self._behaviours = Behaviours()

    @workflow.run
    async def run(self) -> bool:
        if self._behaviours.has("a-later-change"):
            await workflow.sleep(0.01)  # a command the runs begun before never made
        return self._behaviours.has("cards-from-store")
