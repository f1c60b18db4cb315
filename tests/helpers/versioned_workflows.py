"""One workflow before and after a change made later than the gathering patch, for the
replay specs of ``signoff.workflows.patches``."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from signoff.workflows.patches import Patches

NAME = "test.Versioned"


@workflow.defn(name=NAME)
class BeforeTheLaterChange:
    def __init__(self) -> None:
        self._patches = Patches()

    @workflow.run
    async def run(self) -> bool:
        return self._patches.has("cards-from-store")


@workflow.defn(name=NAME)
class AfterTheLaterChange:
    def __init__(self) -> None:
        self._patches = Patches()

    @workflow.run
    async def run(self) -> bool:
        if self._patches.has("a-later-change"):
            await workflow.sleep(0.01)  # a command the runs begun before never made
        return self._patches.has("cards-from-store")
