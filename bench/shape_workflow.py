"""Signoff's footprint on Temporal with none of Signoff's work: the floor under the
lifecycle figure. Each step Temporal sees from a Signoff decision is here (update-with-
start answered once a local activity resolved the plan, the audit recorded by a regular
activity whose input history holds, search attributes, an approve Update that waits for
its audit record, the feedback-window timer), but every activity returns at once and the
state is a few strings. What this costs over the bare baseline is what the issue's own
requirements cost on Temporal; what Signoff costs over this is our code."""

import asyncio
import contextlib
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

STATUS = SearchAttributeKey.for_keyword("SignoffStatus")
STAGE = SearchAttributeKey.for_keyword("SignoffStage")
LOCAL = timedelta(seconds=30)
REMOTE = timedelta(minutes=2)


@activity.defn(name="bench.shape.noop")
async def noop(what: str) -> str:
    return what


@workflow.defn(name="bench.Shape", sandboxed=False)  # as DecisionWorkflow runs
class ShapeWorkflow:
    def __init__(self) -> None:
        self._status: str | None = None

    @workflow.run
    async def run(self, decision_id: str) -> str:
        await workflow.execute_local_activity(noop, "plan", start_to_close_timeout=LOCAL)
        workflow.upsert_search_attributes([STATUS.value_set("pending"), STAGE.value_set("leads")])
        # Signoff answers the submitter once the first audit events are written.
        await workflow.execute_activity(noop, "audit", start_to_close_timeout=REMOTE)
        self._status = "pending"
        await workflow.wait_condition(lambda: self._status == "approved")
        # A decision stays open for its feedback window after the outcome.
        await workflow.wait_condition(lambda: False, timeout=timedelta(days=7))
        return decision_id

    @workflow.update(name="started")
    async def started(self) -> str:
        await workflow.wait_condition(lambda: self._status is not None)
        return self._status or ""

    @workflow.update(name="approve")
    async def approve(self, actor: str) -> str:
        self._status = "approved"
        workflow.upsert_search_attributes([STATUS.value_set("approved"), STAGE.value_set("")])
        await workflow.execute_activity(noop, "audit", start_to_close_timeout=REMOTE)
        return f"approved by {actor}"


@workflow.defn(name="bench.AutoShape", sandboxed=False)  # as DecisionWorkflow runs
class AutoShapeWorkflow:
    """The automatic path's footprint with none of its work: update-with-start answered in
    the workflow task that resolved the plan (a local activity), routed it and put its
    audit in history (a regular activity, whose completion takes one more workflow
    task), with its search attributes and the feedback window's timer. Its ratio to
    bare is the most the automatic path could reach while each decision is a workflow
    that audits from history."""

    def __init__(self) -> None:
        self._status: str | None = None

    @workflow.run
    async def run(self, decision_id: str) -> str:
        await workflow.execute_local_activity(noop, "plan", start_to_close_timeout=LOCAL)
        workflow.upsert_search_attributes([STATUS.value_set("auto_approved")])
        self._status = "auto_approved"
        audit = workflow.start_activity(noop, "audit", start_to_close_timeout=REMOTE)
        window = asyncio.create_task(
            workflow.wait_condition(lambda: False, timeout=timedelta(days=7))
        )
        await audit
        with contextlib.suppress(TimeoutError):
            await window
        return decision_id

    @workflow.update(name="started")
    async def started(self) -> str:
        await workflow.wait_condition(lambda: self._status is not None)
        return self._status or ""
