"""Draining a decision's outboxes through activities, each in order, in the background.

Three pumps: audit events (an Update waits until its events are recorded), cards, and
outcome deliveries to whoever listens. Audit events are written by a regular activity,
which runs only once history holds what it writes (patch ``audit-from-history``; older
runs, a local activity). Cards go with the audit events: the same write queues them in
the store's card outbox, which the worker draws from at once and retries for as long as
a chat API is down (runs without the patch ``cards-from-store`` draw them with a
regular activity per change). A slow chat API therefore never holds up a decision, and
nothing queued is lost: on close every pump drains first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from signoff.activities import (
        AuditActivities,
        AuditRecordInput,
        CardActivities,
        CardPublishInput,
        DeliveryActivities,
        OutcomeDeliverInput,
    )
    from signoff.core.channel_protocol import Notice
    from signoff.core.contract import ErrorType, outcome_signal
    from signoff.core.models import AuditKind, Outcome
    from signoff.workflows.lifecycle import Lifecycle
    from signoff.workflows.patches import (
        AUDIT_FROM_HISTORY,
        CARDS_FROM_STORE,
        DELIVER_ONLY_WHERE_HEARD,
        OUTCOME_REFUSAL_RECORDED,
        Patches,
    )
    from signoff.workflows.series import count

LOCAL = timedelta(seconds=30)
REMOTE = timedelta(minutes=2)
FOREVER = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


class Effects:
    def __init__(self, life: Lifecycle, patches: Patches, *, audited: int) -> None:
        self._life = life
        self._patches = patches
        self._audited = audited
        self._published = -1
        self._closing = False
        self._pumps: list[asyncio.Task[None]] = []
        self._cards_in_store = False
        self._audit_from_history = False

    def start(self) -> None:
        self._cards_in_store = self._patches.has(CARDS_FROM_STORE)
        self._audit_from_history = self._patches.has(AUDIT_FROM_HISTORY)
        self._pumps = [
            asyncio.create_task(self._pump(self._audit_due, self._flush_audit)),
            asyncio.create_task(self._pump(self._cards_due, self._publish_cards)),
            asyncio.create_task(self._pump(self._delivery_due, self._deliver)),
        ]

    async def close(self) -> None:
        """Drain everything queued, then stop the pumps."""
        self._closing = True
        await asyncio.gather(*self._pumps)

    @property
    def running(self) -> bool:
        return bool(self._pumps)

    @property
    def audits_from_history(self) -> bool:
        """Whether this run writes its audit with a regular activity (``audit-from-history``)."""
        return self._audit_from_history

    async def audited_through(self, seq: int) -> None:
        """Wait until every audit event before ``seq`` is recorded."""
        await workflow.wait_condition(lambda: self._audited >= seq)

    async def _pump(self, due: Callable[[], bool], step: Callable[[], Awaitable[None]]) -> None:
        while True:
            await workflow.wait_condition(lambda: due() or self._closing)
            if not due():
                return
            await step()

    def _audit_due(self) -> bool:
        return bool(self._life.events_to_record) or (self._cards_in_store and self._cards_due_now())

    async def _flush_audit(self) -> None:
        life = self._life
        batch, life.events_to_record = life.events_to_record, []
        count(batch, life.state)
        cards = self._cards_in_store and self._cards_due_now()
        notices: list[Notice] = []
        if cards:
            notices, life.notices = life.notices, []
            self._published = life.state.version
        # Arguments are serialised when the command is made, so no copy is needed.
        record = AuditRecordInput(events=batch, state=life.state, cards=cards, notices=notices)
        if self._audit_from_history:
            # Runs only once history holds its input: what it writes, history says.
            await workflow.execute_activity_method(
                AuditActivities.record_audit,
                record,
                start_to_close_timeout=REMOTE,
                retry_policy=FOREVER,
            )
        else:
            await workflow.execute_local_activity_method(
                AuditActivities.record_audit,
                record,
                start_to_close_timeout=LOCAL,
                retry_policy=FOREVER,
            )
        self._audited += len(batch)

    def _cards_due_now(self) -> bool:
        return self._life.state.version != self._published or bool(self._life.notices)

    def _cards_due(self) -> bool:
        """Cards drawn by an activity of their own: runs without ``cards-from-store``."""
        return not self._cards_in_store and self._cards_due_now()

    async def _publish_cards(self) -> None:
        life = self._life
        notices, life.notices = life.notices, []
        version = life.state.version
        await workflow.execute_activity_method(
            CardActivities.publish_cards,
            CardPublishInput(state=life.state, notices=notices),
            start_to_close_timeout=REMOTE,
            retry_policy=FOREVER,
        )
        self._published = version

    def _delivery_due(self) -> bool:
        return bool(self._life.deliveries)

    async def _deliver(self) -> None:
        life = self._life
        outcome = life.deliveries.pop(0)
        sequence = len(outcome.overrides)
        quiet = self._patches.has(DELIVER_ONLY_WHERE_HEARD)
        if quiet and not self._has_listener():
            return
        refusal_is_final = self._patches.has(OUTCOME_REFUSAL_RECORDED)
        deliver = OutcomeDeliverInput(
            outcome=outcome, sequence=sequence, refusal_is_final=refusal_is_final
        )
        refused_for_good = False
        try:
            webhook = await workflow.execute_activity_method(
                DeliveryActivities.deliver_outcome,
                deliver,
                start_to_close_timeout=REMOTE,
                retry_policy=FOREVER,
            )
        except ActivityError as err:
            refused = err.cause
            if not (
                isinstance(refused, ApplicationError) and refused.type == ErrorType.WEBHOOK_REFUSED
            ):
                raise
            webhook, refused_for_good = False, True
            details = refused.details[0] if refused.details else {}
            life.record(
                AuditKind.OUTCOME_REFUSED,
                workflow.now(),
                detail=outcome.status.value,
                data={
                    "sequence": sequence,
                    "host": details.get("host") if isinstance(details, dict) else None,
                    "status": details.get("status") if isinstance(details, dict) else None,
                    "message": refused.message,
                },
                visible=False,
            )
        signalled = await self._signal_application(outcome)
        if refused_for_good and not signalled:
            return  # nothing reached anyone: the refusal is the record
        life.record(
            AuditKind.OUTCOME_DELIVERED,
            workflow.now(),
            detail=outcome.status.value,
            data={"webhook": webhook, "workflow_signalled": signalled, "sequence": sequence},
            visible=not quiet,
        )

    def _has_listener(self) -> bool:
        """Whether anyone hears outcomes: the worker's webhook or a calling workflow."""
        state = self._life.state
        return state.plan.outcome_webhook or state.request.notify_workflow_id is not None

    async def _signal_application(self, outcome: Outcome) -> bool:
        target = self._life.state.request.notify_workflow_id
        if target is None:
            return False
        try:
            handle = workflow.get_external_workflow_handle(target)
            await handle.signal(outcome_signal(outcome.decision_id), outcome)
        except Exception:  # the calling workflow may have finished already
            workflow.logger.info("could not signal %s with the outcome", target)
            return False
        return True
