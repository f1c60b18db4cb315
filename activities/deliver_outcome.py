"""Tell the application the outcome (and every later override) by signed webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from signoff.activities.inputs import OutcomeDeliverInput

if TYPE_CHECKING:
    from signoff.adapters.webhooks import WebhookSender


class DeliveryActivities:
    def __init__(self, sender: WebhookSender | None, url: str | None) -> None:
        self._sender = sender
        self._url = url

    @activity.defn(name="signoff.deliver_outcome")
    async def deliver_outcome(self, input: OutcomeDeliverInput) -> bool:
        """Returns whether a webhook was sent. The idempotency key lets the receiver
        drop a delivery that a retried activity repeats."""
        if self._sender is None or self._url is None:
            return False
        key = f"{input.outcome.decision_id}/outcome/{input.sequence}"
        await self._sender.send(self._url, input.outcome, idempotency_key=key)
        return True
