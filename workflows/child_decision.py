"""request_signoff: ask for a human sign-off from inside a workflow (yours, or Signoff's own
policy-change workflow); :mod:`signoff.client.in_workflow` offers it to applications."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from signoff.core.contract import (
        DECISION_WORKFLOW,
        DecisionWorkflowInput,
        outcome_signal,
        workflow_id_for,
    )
    from signoff.core.errors import RedactionFailed
    from signoff.core.models import DecisionRequest, Outcome
    from signoff.core.redaction import Redactor, redacted


async def request_signoff(
    request: DecisionRequest,
    *,
    task_queue: str | None = None,
    timeout: timedelta | None = None,
    on_override: Callable[[Outcome], None] | None = None,
    redact: Redactor | None = None,
) -> Outcome:
    """Start a decision as a child of the calling workflow and wait for its outcome.

    The decision outlives the caller (it stays open for feedback), so it reports back by
    signal rather than as a child result; a later override arrives the same way and is
    passed to ``on_override`` while the caller still runs.

    Args:
        request: The decision; its id is the idempotency key.
        task_queue: Signoff's task queue; the caller's own when omitted.
        timeout: Give up waiting after this long (raises ``asyncio.TimeoutError``).
        on_override: Called with each later outcome (overrides after the first).
        redact: The redaction hook (:mod:`signoff.core.redaction`), run here, inside
            the calling workflow, before the decision's start puts the request into
            history. It runs as workflow code, again on every replay: it must be
            deterministic and do no I/O (pure code over the request, such as patterns
            and fixed replacements). A hook that fails fails the calling workflow with
            an ``ApplicationError`` of type ``RedactionFailed``; nothing is started.

    The request as passed here is still in the calling workflow's own history if it
    came in as an input or an activity's result: redact it before that, or let an
    activity produce only redacted input.

    Experimental: the signal protocol may change before 1.0.
    """
    outcomes: list[Outcome] = []

    def receive(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if len(outcomes) > 1 and on_override is not None:
            on_override(outcome)

    workflow.set_signal_handler(outcome_signal(request.id), receive)
    try:
        request = redacted(request, redact)
    except RedactionFailed as err:
        # Not left to fail the workflow task: that would be retried forever.
        raise ApplicationError(str(err), type="RedactionFailed", non_retryable=True) from err
    child_request = request.model_copy(update={"notify_workflow_id": workflow.info().workflow_id})
    await workflow.start_child_workflow(
        DECISION_WORKFLOW,
        DecisionWorkflowInput(request=child_request),
        id=workflow_id_for(request.id),
        task_queue=task_queue or workflow.info().task_queue,
        parent_close_policy=workflow.ParentClosePolicy.ABANDON,
    )
    await workflow.wait_condition(lambda: bool(outcomes), timeout=timeout)
    return outcomes[0]
