"""Write audit events (and the decision's current state) to the store, exactly once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from activities.inputs import AuditRecordInput

if TYPE_CHECKING:
    from adapters.store import Store


class AuditActivities:
    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name="signoff.record_audit")
    async def record_audit(self, input: AuditRecordInput) -> int:
        """Idempotent by event id, so a retried activity never writes an event twice."""
        return await self._store.record(input.events, input.state)
