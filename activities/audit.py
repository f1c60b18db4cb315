"""Write audit events (and the decision's current state, and the cards it asks for) to
the store, exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.inputs import AuditRecordInput

if TYPE_CHECKING:
    from activities.card_outbox import CardOutbox
    from adapters.store import Store


class AuditActivities:
    def __init__(self, store: Store, outbox: CardOutbox | None = None) -> None:
        self._store = store
        self._outbox = outbox

    @activity.defn(name="signoff.record_audit")
    async def record_audit(self, input: AuditRecordInput) -> int:
        """Idempotent by event id (and notices by id), so a retried activity never writes
        anything twice. With ``cards``, the card outbox is told at once, so cards are
        drawn as soon as the change is recorded."""
        state = input.state
        if not input.cards or state is None:
            return await self._store.record(input.events, state)
        base = input.events[0].event_id if input.events else f"{state.decision_id}/v{state.version}"
        notices = [(f"{base}/notice-{i}", notice) for i, notice in enumerate(input.notices)]
        queue = activity.info().task_queue
        written = await self._store.record(input.events, state, cards_for=queue, notices=notices)
        if self._outbox is not None:
            self._outbox.poke(queue)
        return written
