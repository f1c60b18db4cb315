"""The bare baseline: the least a decision could cost on Temporal. In a module of its own
that costs next to nothing to import, since the workflow sandbox re-imports a workflow's
module for every run."""

from temporalio import workflow


@workflow.defn(name="bench.Bare")
class BareWorkflow:
    """Waits for one Update and completes: the least a decision could cost."""

    def __init__(self) -> None:
        self._verdict: str | None = None

    @workflow.run
    async def run(self, decision_id: str) -> str:
        await workflow.wait_condition(lambda: self._verdict is not None)
        return f"{decision_id}: {self._verdict}"

    @workflow.update(name="approve")
    async def approve(self, actor: str) -> str:
        self._verdict = f"approved by {actor}"
        return self._verdict
