"""SignoffClient: start decisions, act on them as a person, read their state and audit."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from temporalio.api.workflowservice.v1 import (
    ListWorkflowExecutionsRequest,
    ListWorkflowExecutionsResponse,
)
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    QueryRejectCondition,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from signoff.adapters.notary import load_voucher
from signoff.client import outcome_reports
from signoff.client.connection import connect_temporal
from signoff.client.decision_search import (
    DecisionListing,
    DecisionPage,
    SearchFilters,
    search_query,
)
from signoff.core import messages, temporal_ui
from signoff.core.contract import (
    DECISION_WORKFLOW,
    REFUSAL_AUDIT_WORKFLOW,
    RETRY_CODES,
    STARTED_UPDATE,
    STATE_QUERY,
    DecisionWorkflowInput,
    ErrorType,
    RefusalAuditInput,
    RefusalCode,
    operations_chain,
    operations_event_id,
    operations_workflow_id,
    refusal_workflow_id,
    workflow_id_for,
)
from signoff.core.errors import (
    ActionPending,
    ActionRefused,
    DecisionFailed,
    DecisionNotFound,
    InvalidPolicyError,
    RequestConflict,
    RequestTooLarge,
    SignoffError,
)
from signoff.core.models import (
    Action,
    ActionKind,
    ActionResult,
    AuditEvent,
    AuditKind,
    DecisionRequest,
    DecisionState,
    Outcome,
    OutcomeReport,
    ReportedOutcome,
)
from signoff.core.redaction import Redactor, load_redactor, redacted
from signoff.core.settings import Settings
from signoff.core.vouching import Voucher


class SignoffClient:
    """Talks to decision workflows through a Temporal client.

    Args:
        client: A Temporal client whose data converter handles pydantic (connect it with
            ``plugins=[SignoffPlugin(...)]`` or use :meth:`connect`).
        task_queue: The queue Signoff's worker polls.
        search_salt: The salt the worker uses for approver tokens (``pending``).
        voucher: Vouches for the actors of this client's actions with a surface's key.
        redact: The redaction hook (:mod:`signoff.core.redaction`): each request passes
            through it in :meth:`submit` before Temporal's history or the store holds it.
    """

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str = "signoff",
        search_salt: str = "signoff",
        voucher: Voucher | None = None,
        redact: Redactor | None = None,
    ) -> None:
        self.temporal = client
        self.task_queue = task_queue
        self.search_salt = search_salt
        self.voucher = voucher
        self.redact = redact

    def vouching_as(self, voucher: Voucher | None) -> SignoffClient:
        """This client, vouching for the actors of its actions with ``voucher``'s key
        (a bot: the people it authenticated; the CLI: its operator)."""
        return SignoffClient(
            self.temporal,
            task_queue=self.task_queue,
            search_salt=self.search_salt,
            voucher=voucher,
            redact=self.redact,
        )

    def redacting_with(self, redact: Redactor | None) -> SignoffClient:
        """This client, passing each request it submits through ``redact`` first."""
        return SignoffClient(
            self.temporal,
            task_queue=self.task_queue,
            search_salt=self.search_salt,
            voucher=self.voucher,
            redact=redact,
        )

    # -- decisions ---------------------------------------------------------------------

    async def submit(self, request: DecisionRequest) -> DecisionState:
        """Start a decision, or return the one this request already started; returns its
        state once routed. The id is an idempotency key: the same request again is
        answered with its decision, a different request under it is refused. With a
        redaction hook, the decision holds the request as the hook returned it.

        Raises:
            RedactionFailed: the redaction hook failed; nothing started.
            RequestTooLarge: the request is over ``MAX_REQUEST_BYTES``; nothing started.
            RequestConflict: a decision with this id holds a different request.
            InvalidPolicyError: the policy is unknown or names nobody.
            DecisionFailed: the decision failed to start for another reason.
        """
        request = redacted(request, self.redact)
        if problem := request.size_problem():
            raise RequestTooLarge(problem)
        reuse = WorkflowIDReusePolicy.REJECT_DUPLICATE
        for _ in range(START_ATTEMPTS):
            try:
                state = await self._start_and_wait_routed(request, reuse)
            except (WorkflowAlreadyStartedError, _RunRefused, RPCError) as err:
                run_id = err.run_id if isinstance(err, WorkflowAlreadyStartedError) else None
                if _already_started(err):
                    if await self._never_began(request.id, run_id):
                        reuse = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
                        continue
                    # A decision with this id has ended: answer with it, never start anew.
                    state = await self.state(request.id)
                else:
                    if isinstance(err, _RunRefused):
                        err, run_id = err.cause, err.run_id
                    refused = await self._why_not_started(request.id, err, run_id)
                    if isinstance(refused, InvalidPolicyError) and not await self._holds(
                        request, run_id
                    ):
                        # Another submission under this id, refused for its own policy,
                        # had the run this one's update reached; that run never began.
                        reuse = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
                        continue
                    raise refused from err
            if state.request != request:
                raise RequestConflict(request.id, request.differences(state.request))
            return state
        raise SignoffError(
            f"Decision '{request.id}' did not start: other submissions under its id, refused"
            " for their policies, kept taking its place; send it again."
        )

    async def _never_began(self, decision_id: str, run_id: str | None) -> bool:
        """Whether the run under this id was refused at its start for its policy. Such a
        run failed before it routed, audited or asked anyone anything, so it binds
        nothing: a request refused for bad input leaves its id free for the corrected
        one."""
        failed = await self._failure_of(decision_id, run_id)
        return failed is not None and failed.failure_type == ErrorType.INVALID_POLICY

    async def _holds(self, request: DecisionRequest, run_id: str | None) -> bool:
        """Whether the run was started with ``request`` (and not another submission's)."""
        handle = self.temporal.get_workflow_handle(workflow_id_for(request.id), run_id=run_id)
        async for event in handle.fetch_history_events():
            payloads = event.workflow_execution_started_event_attributes.input.payloads
            [started] = await self.temporal.data_converter.decode(payloads, [DecisionWorkflowInput])
            return bool(started.request == request)
        return False

    async def _why_not_started(
        self, decision_id: str, err: Exception, run_id: str | None
    ) -> Exception:
        cause = getattr(err, "cause", None)
        if isinstance(cause, ApplicationError) and cause.type == ErrorType.INVALID_POLICY:
            return InvalidPolicyError(cause.message)
        # The workflow may have failed before the update could answer: its failure says
        # why. Anything else (a payload the server refused, say) is the error itself.
        failed = await self._failure_of(decision_id, run_id)
        if failed is None:
            return err
        if failed.failure_type == ErrorType.INVALID_POLICY:
            return InvalidPolicyError(failed.reason)
        return failed

    async def _failure_of(
        self, decision_id: str, run_id: str | None = None
    ) -> DecisionFailed | None:
        """Why the decision's workflow (its run ``run_id``, else its latest) ended without
        a decision, if it did."""
        handle = self.temporal.get_workflow_handle(workflow_id_for(decision_id), run_id=run_id)
        try:
            description = await handle.describe()
        except RPCError:
            return None
        if description.status not in ENDED_UNDECIDED:
            return None
        reason = description.status.name.lower().replace("_", " ")
        failure_type = None
        try:
            await handle.result(follow_runs=False)
        except WorkflowFailureError as failure:
            cause = failure.cause
            if isinstance(cause, ApplicationError):
                failure_type = cause.type
            reason = getattr(cause, "message", None) or str(cause) or reason
        except RPCError:
            pass
        return DecisionFailed(decision_id, reason, failure_type)

    async def _start_and_wait_routed(
        self, request: DecisionRequest, reuse: WorkflowIDReusePolicy
    ) -> DecisionState:
        """Start and ask for the routed state in one call (one round trip, one workflow
        task); servers without update-with-start get the two calls instead.

        Raises:
            _RunRefused: the run (started or found) refused the update.
        """
        submission = self.voucher.vouch_submission(request) if self.voucher else None
        workflow_input = DecisionWorkflowInput(request=request, submission=submission)
        options: dict[str, Any] = {
            "id": workflow_id_for(request.id),
            "task_queue": self.task_queue,
            "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
            # An id names one decision for good, ended or failed: a new run under it
            # would write a second audit chain over the first. Only ``submit`` loosens
            # this, for a run it found refused at its start (see ``_never_began``).
            "id_reuse_policy": reuse,
            "static_summary": temporal_ui.summary(request),
            "static_details": temporal_ui.static_details(request),
        }
        operation = WithStartWorkflowOperation(DECISION_WORKFLOW, workflow_input, **options)
        try:
            return await self.temporal.execute_update_with_start_workflow(
                STARTED_UPDATE, start_workflow_operation=operation, result_type=DecisionState
            )
        except WorkflowUpdateFailedError as err:
            # The start went through (the update reached a run), so the handle is known.
            raise _RunRefused(err, (await operation.workflow_handle()).result_run_id) from err
        except RPCError as err:
            if _crowded(err) and await self.exists(request.id):
                return await self._wait_routed(request.id)
            if err.status != RPCStatusCode.UNIMPLEMENTED:
                raise
        handle = await self.temporal.start_workflow(DECISION_WORKFLOW, workflow_input, **options)
        try:
            return await handle.execute_update(STARTED_UPDATE, result_type=DecisionState)
        except WorkflowUpdateFailedError as err:
            raise _RunRefused(err, handle.result_run_id) from err

    async def _wait_routed(self, decision_id: str) -> DecisionState:
        """The routed state of a decision that exists, asked while Temporal turns the
        asking away for a crowd: it takes 10 updates in flight per decision, so of many
        submissions of one id at once (a retrying client, a burst of duplicates) the
        rest are refused while the decision is still being routed, even after the SDK's
        own retries. Asked again until ``CROWDED_WAIT_S`` has passed."""
        handle = self._handle(decision_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CROWDED_WAIT_S
        delay = 0.2
        while True:
            try:
                return await handle.execute_update(STARTED_UPDATE, result_type=DecisionState)
            except RPCError as err:
                if not _crowded(err) or loop.time() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def state(self, decision_id: str) -> DecisionState:
        """The decision's state.

        Raises:
            DecisionNotFound: no decision has this id.
            DecisionFailed: its workflow ended before it was decided.
        """
        handle = self._handle(decision_id)
        for attempt in range(STATE_ATTEMPTS):
            try:
                # A decision whose workflow failed is not replayed to answer: its start
                # may be what failed, and the worker would never answer at all.
                return await handle.query(
                    STATE_QUERY,
                    result_type=DecisionState,
                    reject_condition=QueryRejectCondition.NOT_COMPLETED_CLEANLY,
                )
            except (WorkflowQueryFailedError, WorkflowQueryRejectedError) as err:
                # A decision still starting cannot answer yet; one that failed never will.
                if (failed := await self._failure_of(decision_id)) is not None:
                    raise failed from err
                if attempt == STATE_ATTEMPTS - 1:
                    raise SignoffError(f"Decision '{decision_id}' did not answer: {err}") from err
                await asyncio.sleep(0.05 * (attempt + 1))
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    raise DecisionNotFound(decision_id) from err
                if "Workflow Task in failed state" in err.message:
                    raise SignoffError(
                        f"Decision '{decision_id}' cannot answer: its workflow task is failing"
                        " (see the worker's log)."
                    ) from err
                raise
        raise AssertionError("unreachable")

    async def exists(self, decision_id: str) -> bool | None:
        """Whether a decision with this id was ever started, or None when Temporal cannot
        say now. The server answers alone (``describe``), so unlike :meth:`state` this
        needs no worker: a chat can turn away a button naming no decision at once, and
        still open a form while the worker is down."""
        try:
            await self._handle(decision_id).describe()
        except RPCError as err:
            return False if err.status == RPCStatusCode.NOT_FOUND else None
        return True

    async def wait_outcome(self, decision_id: str, *, timeout: timedelta | None = None) -> Outcome:
        """Poll until the decision is final (the workflow itself lives on through the
        feedback window, so its result is not the place to wait)."""
        deadline = asyncio.get_running_loop().time() + timeout.total_seconds() if timeout else None
        delay = 0.05
        while True:
            state = await self.state(decision_id)
            if state.outcome is not None:
                return state.outcome
            if deadline is not None and asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"decision '{decision_id}' is still {state.status.value}")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    # -- acting as a person ------------------------------------------------------------

    async def act(self, decision_id: str, action: Action) -> ActionResult:
        """Apply one person's action; the same ``action_id`` is applied once.

        Raises:
            ActionRefused: the person may not do this now; the refusal is audited.
        """
        handle = self._handle(decision_id)
        if self.voucher is not None and action.vouch is None:
            action = self.voucher.vouch(decision_id, action)
        # Sending the same update id again is always safe: the server and the workflow's
        # own applied ids make a repeat count once. So every failure that leaves the
        # action unapplied or unknown is retried, a bounded number of times.
        unknown = False
        update_id = update_id_for(action)
        for attempt in range(20):
            try:
                return await handle.execute_update(
                    action.kind.value, action, id=update_id, result_type=ActionResult
                )
            except WorkflowUpdateRPCTimeoutOrCancelledError as err:
                if _being_cancelled():  # the SDK reports our own cancellation so
                    raise asyncio.CancelledError from err
                unknown = True  # the update may still be applied
            except WorkflowUpdateFailedError as err:
                cause = err.cause
                kind = cause.type if isinstance(cause, ApplicationError) else None
                if kind == ErrorType.REFUSED:
                    assert isinstance(cause, ApplicationError)
                    code = str(cause.details[0]) if cause.details else "refused"
                    if code not in RETRY_CODES:
                        if RefusalCode.AUDITED not in cause.details[1:]:
                            await self._audit_refusal(decision_id, action, code, cause.message)
                        raise ActionRefused(code, cause.message) from err
                elif kind == COMPLETED_WHILE_ACCEPTED:
                    raise ActionRefused(RefusalCode.CLOSED, messages.FEEDBACK_CLOSED) from err
                elif kind not in NOT_APPLIED:
                    raise
            except RPCError as err:
                if _being_cancelled():
                    raise asyncio.CancelledError from err
                if err.status in UNKNOWN_OUTCOME:
                    unknown = True
                elif err.status not in NOT_ADMITTED:
                    reason = await self._why_unreachable(decision_id, err)
                    if reason is not None:
                        raise reason from err
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
        if unknown:
            raise ActionPending(messages.BEING_RECORDED)
        raise ActionRefused(RefusalCode.BUSY, messages.DECISION_BUSY)

    async def _why_unreachable(self, decision_id: str, err: RPCError) -> Exception | None:
        """An update to a decision that is gone: never started, or past its window; None
        when it was not there for the update but runs now (it started in between, so the
        update applied nothing and is sent again)."""
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            return err
        try:
            description = await self._handle(decision_id).describe()
        except RPCError as missing:
            if missing.status == RPCStatusCode.NOT_FOUND:
                return DecisionNotFound(decision_id)
            return missing
        if description.status == WorkflowExecutionStatus.RUNNING:
            return None if err.status == RPCStatusCode.NOT_FOUND else err
        if (failed := await self._failure_of(decision_id)) is not None:
            return failed
        return ActionRefused(RefusalCode.CLOSED, messages.FEEDBACK_CLOSED)

    async def perform(
        self,
        decision_id: str,
        kind: ActionKind | str,
        actor: str,
        *,
        action_id: str | None = None,
        **fields: Any,
    ) -> ActionResult:
        """Shorthand for :meth:`act`: ``perform(id, "approve", "alice", reason=...)``."""
        action = Action(
            kind=ActionKind(kind),
            actor=actor,
            action_id=action_id or uuid.uuid4().hex,
            **fields,
        )
        return await self.act(decision_id, action)

    async def _audit_refusal(
        self, decision_id: str, action: Action, code: str, message: str
    ) -> None:
        await self.audit_refusal(
            decision_id,
            actor=action.actor,
            attempted=action.kind.value,
            attempt_id=action.action_id,
            code=code,
            message=message,
            via=action.via,
        )

    async def audit_refusal(
        self,
        decision_id: str,
        *,
        actor: str,
        attempted: str,
        attempt_id: str,
        code: str,
        message: str,
        via: str,
    ) -> None:
        """Record in ``decision_id``'s audit trail that ``actor`` was refused
        ``attempted`` (an action's kind, or what a surface refused before any action:
        ``read``); one event per ``attempt_id``, however often it is recorded."""
        event = AuditEvent(
            event_id=refusal_event_id(decision_id, attempt_id),
            decision_id=decision_id,
            kind=AuditKind.REFUSED,
            at=datetime.now(UTC),
            actor=actor,
            data={
                "action": attempted,
                "action_id": attempt_id,
                "code": code,
                "message": message,
                "via": via,
            },
        )
        await self._record_alone(event, refusal_workflow_id(decision_id, attempt_id))

    async def audit_operation(
        self,
        kind: AuditKind,
        *,
        actor: str,
        attempt_id: str,
        data: dict[str, Any],
        at: datetime | None = None,
    ) -> AuditEvent:
        """Record an event that belongs to no decision (an administrator's change, a
        refusal of something that is no decision's) in the operations chain of its day
        (:func:`~signoff.core.contract.operations_chain`); one event per ``attempt_id``,
        however often it is recorded. Returns the event, its chain in ``decision_id``."""
        at = at or datetime.now(UTC)
        chain = operations_chain(at)
        event = AuditEvent(
            event_id=operations_event_id(chain, kind.value, attempt_id),
            decision_id=chain,
            kind=kind,
            at=at,
            actor=actor,
            data=data,
        )
        await self._record_alone(event, operations_workflow_id(chain, attempt_id))
        return event

    async def _record_alone(self, event: AuditEvent, workflow_id: str) -> None:
        """Write ``event`` through a short workflow of its own: its input in Temporal's
        history is the record ``audit verify --against-temporal`` holds the store to, and
        its id (one per event) makes recording it again start nothing new."""
        await self.temporal.start_workflow(
            REFUSAL_AUDIT_WORKFLOW,
            RefusalAuditInput(event=event),
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )

    # -- real-world outcomes -----------------------------------------------------------

    async def record_outcome(
        self,
        decision_id: str,
        label: str,
        source: str,
        at: datetime | str,
        *,
        key: str | None = None,
        reported_by: str | None = None,
        via: str = "client",
    ) -> ReportedOutcome:
        """Record what happened in the world after the decision, at any later time: also
        after its feedback window closed, with no lookback limit. Written through
        Temporal into the decision's audit chain; returns once it is stored.

        Args:
            label: The outcome, in the application's words (``chargeback``); 1 to 500
                characters.
            source: The system reporting it (``chargeback-feed``); 1 to 200 characters.
            at: When it happened in the world, with a time zone (or ISO 8601 text); not
                in the future.
            key: Names the report: the same decision, source and key record once (the
                answer then says ``duplicate``). Defaults to one made of source, ``at``
                and label, so an identical report sent again is recorded once.
            reported_by: Who reports it, for the audit (an application's principal).
            via: The surface it came through.

        Raises:
            pydantic.ValidationError: the report is invalid; nothing is recorded.
            DecisionNotFound: no decision has this id.
            DecisionFailed: its workflow ended before it was decided.
            ActionRefused: the decision is not decided yet (code ``undecided``).
            OutcomeConflict: the key already names another outcome of the decision.
        """
        report = OutcomeReport.model_validate(
            {"label": label, "source": source, "at": at, "key": key}
        )
        return await outcome_reports.record_outcome(
            self, decision_id, report, reported_by=reported_by, via=via
        )

    # -- finding decisions -------------------------------------------------------------

    async def search(
        self, *, limit: int = 100, **filters: Unpack[SearchFilters]
    ) -> list[DecisionListing]:
        """The first ``limit`` decisions found by their search attributes (the worker's
        visibility store); :meth:`search_page` says how many more there are."""
        found: list[DecisionListing] = []
        cursor: str | None = None
        while len(found) < limit:
            size = min(limit - len(found), MAX_PAGE_SIZE)
            page = await self.search_page(page_size=size, cursor=cursor, count=False, **filters)
            found.extend(page.listings)
            cursor = page.next_cursor
            if cursor is None:
                break
        return found[:limit]

    async def search_page(
        self,
        *,
        page_size: int = 100,
        cursor: str | None = None,
        count: bool = True,
        **filters: Unpack[SearchFilters],
    ) -> DecisionPage:
        """One page of decisions of this client's task queue, with the total that match
        (counted with the first page only, when ``count``) and a cursor for the next page.

        The page is asked of the workflow service directly, not through
        ``Client.list_workflows``, so only the four attributes a listing shows are decoded
        (see :meth:`DecisionListing.of`); client interceptors do not see the call.

        Raises:
            ValueError: ``cursor`` is not one this method returned.
        """
        query = search_query(salt=self.search_salt, task_queue=self.task_queue, **filters)
        not_a_cursor = f"'{cursor}' is not a cursor a search returned."
        try:
            token = base64.urlsafe_b64decode(cursor.encode()) if cursor else b""
        except (ValueError, UnicodeEncodeError) as err:
            raise ValueError(not_a_cursor) from err
        request = ListWorkflowExecutionsRequest(
            namespace=self.temporal.namespace,
            page_size=page_size,
            next_page_token=token,
            query=query,
        )
        listing = self._list_page(request, not_a_cursor)
        # Counted once, with the first page: later pages only move the cursor on.
        if count and not cursor:
            page, counted = await asyncio.gather(listing, self.temporal.count_workflows(query))
            total: int | None = counted.count
        else:
            page, total = await listing, None
        listings = [DecisionListing.of(info) for info in page.executions]
        following = page.next_page_token
        return DecisionPage(
            listings=listings,
            total=total,
            next_cursor=base64.urlsafe_b64encode(following).decode() if following else None,
        )

    async def _list_page(
        self, request: ListWorkflowExecutionsRequest, not_a_cursor: str
    ) -> ListWorkflowExecutionsResponse:
        """One page; a cursor Temporal cannot read raises ``ValueError(not_a_cursor)``.

        Temporal answers a page token it cannot parse as an internal error (UNKNOWN),
        which its client retries for about ten seconds: a page after the first is asked
        once, and only failures that say nothing about the token are asked again."""
        service = self.temporal.workflow_service
        if not request.next_page_token:
            return await service.list_workflow_executions(request, retry=True)
        try:
            return await service.list_workflow_executions(request, retry=False)
        except RPCError as err:
            if err.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.UNKNOWN):
                raise ValueError(not_a_cursor) from err
        return await service.list_workflow_executions(request, retry=True)

    async def pending(self, person: str | None = None) -> list[DecisionListing]:
        return await self.search(status="pending", pending_for=person)

    def _handle(self, decision_id: str) -> WorkflowHandle[Any, Any]:
        return self.temporal.get_workflow_handle(workflow_id_for(decision_id))


class _RunRefused(Exception):
    """The ``started`` update failed (``cause``) on the run ``run_id``, which may be
    another submission's under the same id."""

    def __init__(self, cause: WorkflowUpdateFailedError, run_id: str | None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.run_id = run_id


MAX_PAGE_SIZE = 1000
"""The most rows one visibility call returns (Temporal's own default ceiling)."""
STATE_ATTEMPTS = 40
START_ATTEMPTS = 20
"""Starts tried while other submissions under one id keep failing for their policies."""
CROWDED_WAIT_S = 30.0
"""Queries tried while a decision starts (about 40 s in all) before it is reported as not
answering."""
ENDED_UNDECIDED = frozenset(
    {
        WorkflowExecutionStatus.FAILED,
        WorkflowExecutionStatus.TERMINATED,
        WorkflowExecutionStatus.TIMED_OUT,
        WorkflowExecutionStatus.CANCELED,
    }
)
"""Workflow ends that leave no decision behind: nobody can act on it any more."""
NOT_APPLIED = frozenset({"UnprocessedUpdate"})
"""Update failure types from the server meaning no handler ran: sending again is safe."""
COMPLETED_WHILE_ACCEPTED = "AcceptedUpdateCompletedWorkflow"
"""The run closed (its feedback window ended) while the update waited to finish."""
NOT_ADMITTED = frozenset(
    {RPCStatusCode.UNAVAILABLE, RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.ABORTED}
)
"""The server did not take the update in (down, or too many in flight)."""
UNKNOWN_OUTCOME = frozenset({RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED})
"""The call ended before the server said what became of the update."""


def update_id_for(action: Action) -> str:
    """A Temporal update id for one call of :meth:`SignoffClient.act` (kept while the call
    resends). The server answers a repeated update id with the first update's result
    without asking the workflow; a fresh id per call lets the workflow, which applies an
    action id once, answer a later call as a duplicate (``duplicate=True``) and refuse
    someone reusing another person's action id."""
    return f"{action.actor}/{action.action_id}/{uuid.uuid4().hex[:12]}"


def _being_cancelled() -> bool:
    """Whether the running task was asked to stop (the SDK turns that into its own errors)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _crowded(err: RPCError) -> bool:
    """Temporal turned an update away for the crowd of them on one decision: over its
    limit of updates in flight, or aborted while the run was busy with others."""
    return err.status in (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE)


def _already_started(err: Exception) -> bool:
    """The start was refused because the id's decision has ended (the SDK's own error, or
    the bare RPC status from servers without update-with-start)."""
    if isinstance(err, WorkflowAlreadyStartedError):
        return True
    return isinstance(err, RPCError) and err.status == RPCStatusCode.ALREADY_EXISTS


def refusal_event_id(decision_id: str, action_id: str) -> str:
    """The refusal's audit event id: readable when it fits the id's 300 characters, else
    the action id's digest (ids of 200 characters each would not fit)."""
    readable = f"{decision_id}/refusal/{action_id}"
    if len(readable) <= 300:
        return readable
    return f"{decision_id}/refusal/sha256:{hashlib.sha256(action_id.encode()).hexdigest()}"


async def connect_client(settings: Settings | None = None) -> SignoffClient:
    """A :class:`SignoffClient` for the server and task queue in ``settings``, over TLS
    and with credentials when they say so (see :mod:`signoff.client.connection`), that
    redacts with the hook ``settings.redact_request`` names."""
    settings = settings or Settings()
    redact = load_redactor(settings.redact_request) if settings.redact_request else None
    client = await connect_temporal(settings, data_converter=pydantic_data_converter)
    return SignoffClient(
        client,
        task_queue=settings.task_queue,
        search_salt=settings.search_salt,
        voucher=load_voucher(settings.keys_path, settings.surface),
        redact=redact,
    )
