"""Write audit events (and the decision's current state, and the cards it asks for) to
the store, exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from temporalio import activity

from signoff.activities.inputs import AuditRecordInput
from signoff.core import metrics
from signoff.core.contract import RECORD_AUDIT_ACTIVITY

if TYPE_CHECKING:
    from signoff.adapters.store import Store


class AuditActivities:
    def __init__(self, store: Store, on_cards_queued: Callable[[str], None] | None = None) -> None:
        self._store = store
        self._on_cards_queued = on_cards_queued

    @activity.defn(name=RECORD_AUDIT_ACTIVITY)
    async def record_audit(self, input: AuditRecordInput) -> int:
        """Idempotent by event id (and notices by id), so a retried activity never writes
        anything twice. With ``cards``, ``on_cards_queued`` is told the task queue at
        once, so the worker's card outbox draws them as soon as the change is recorded."""
        started = time.perf_counter()
        written = await self._record(input)
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.record(activity.metric_meter(), metrics.AUDIT_WRITE_LATENCY, elapsed_ms, {})
        return written

    async def _record(self, input: AuditRecordInput) -> int:
        state = input.state
        if not input.cards or state is None:
            return await self._store.record(input.events, state)
        base = input.events[0].event_id if input.events else f"{state.decision_id}/v{state.version}"
        notices = [(f"{base}/notice-{i}", notice) for i, notice in enumerate(input.notices)]
        queue = activity.info().task_queue
        written = await self._store.record(input.events, state, cards_for=queue, notices=notices)
        if self._on_cards_queued is not None:
            self._on_cards_queued(queue)
        return written
