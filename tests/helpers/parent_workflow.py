"""An application's own workflow that asks for a sign-off with ``request_signoff``."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from signoff import request_signoff
    from signoff.core.models import DecisionRequest, Outcome
    from tests.helpers.redaction import renaming, without_api_keys


@workflow.defn
class RefundFlow:
    """Waits for the outcome, then for one later override, and reports both."""

    def __init__(self) -> None:
        self.later: list[Outcome] = []

    @workflow.run
    async def run(self, request: DecisionRequest) -> list[Outcome]:
        outcome = await request_signoff(request, on_override=self.later.append)
        await workflow.wait_condition(lambda: bool(self.later))
        return [outcome, *self.later]


@workflow.defn
class RedactingRefundFlow:
    """Asks for a sign-off through the operator's redaction hook (``metadata.hook``
    names the faulty one instead) and returns the outcome."""

    @workflow.run
    async def run(self, request: DecisionRequest) -> Outcome:
        hook = renaming if request.metadata.get("hook") == "renaming" else without_api_keys
        return await request_signoff(request, redact=hook)
