"""Tell the application the outcome (and every later override) by signed webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from temporalio import activity
from temporalio.exceptions import ApplicationError

from signoff.activities.inputs import OutcomeDeliverInput
from signoff.core import metrics
from signoff.core.contract import ErrorType
from signoff.core.errors import WebhookDeliveryError

if TYPE_CHECKING:
    from signoff.adapters.webhooks import WebhookSender


class DeliveryActivities:
    def __init__(self, sender: WebhookSender | None, url: str | None) -> None:
        self._sender = sender
        self._url = url

    @activity.defn(name="signoff.deliver_outcome")
    async def deliver_outcome(self, input: OutcomeDeliverInput) -> bool:
        """Returns whether a webhook was sent. Every retry repeats the delivery's
        ``webhook-id``, so the receiver drops one it has already taken.

        Raises:
            ApplicationError: the delivery failed; its type says whether the receiver
                refused it for good (``WebhookRefused``) or may take it later
                (``WebhookFailed``, retried no sooner than its ``Retry-After``).
        """
        if self._sender is None or self._url is None:
            return False
        key = f"{input.outcome.decision_id}/outcome/{input.sequence}"
        try:
            await self._sender.send(self._url, input.outcome, idempotency_key=key)
        except WebhookDeliveryError as err:
            raise _failure(input, err) from err
        return True


def _failure(input: OutcomeDeliverInput, err: WebhookDeliveryError) -> ApplicationError:
    """The failure Temporal records (and shows in its UI), after a log line an operator
    can search for by decision, host or status."""
    decision_id = input.outcome.decision_id
    host = urlsplit(err.url).hostname or err.url
    status = f"HTTP {err.status}" if err.status is not None else "no answer"
    activity.logger.warning(
        "the outcome webhook of decision %s to %s failed: %s%s",
        decision_id,
        host,
        status,
        "; the receiver refused it" if err.permanent else "; it will be sent again",
    )
    labels = {"host": host, "refused": "true" if err.permanent else "false"}
    metrics.record(activity.metric_meter(), metrics.OUTCOME_WEBHOOK_FAILURES, 1, labels)
    wait = timedelta(seconds=err.retry_after) if err.retry_after is not None else None
    return ApplicationError(
        str(err),
        {"decision_id": decision_id, "host": host, "status": err.status},
        type=ErrorType.WEBHOOK_REFUSED if err.permanent else ErrorType.WEBHOOK_FAILED,
        non_retryable=err.permanent and input.refusal_is_final,
        next_retry_delay=wait,
    )
