"""Outcome delivery as Temporal runs it: a failure says what went wrong, where, and
when to try again, in the log and in the error Temporal records."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from signoff.activities import DeliveryActivities, OutcomeDeliverInput
from signoff.adapters.webhooks import WebhookSender
from tests.helpers.builders import make_outcome
from tests.helpers.http_recorder import HttpRecorder
from tests.helpers.standard_webhooks import SECRET, received


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    # Waits of up to 5 s happen in the activity; longer ones are Temporal's to make.
    async with WebhookSender(SECRET, base_delay_s=0.01, max_delay_s=5) as webhook_sender:
        yield webhook_sender


async def deliver(sender: WebhookSender, url: str) -> bool:
    delivery = DeliveryActivities(sender, url)
    outcome = OutcomeDeliverInput(outcome=make_outcome(), sequence=0)
    return await ActivityEnvironment().run(delivery.deliver_outcome, outcome)


async def test_a_delivery_reaches_the_receiver_signed(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    assert await deliver(sender, server.url)
    assert received(server.requests[0])["decision_id"] == "refund-1042"


@pytest.mark.parametrize("status", [429, 503])
async def test_temporal_retries_no_sooner_than_the_receiver_asks(
    server: HttpRecorder, sender: WebhookSender, status: int
) -> None:
    server.fail_next(1, status, retry_after=120)

    with pytest.raises(ApplicationError) as caught:
        await deliver(sender, server.url)

    assert caught.value.next_retry_delay == timedelta(seconds=120)
    assert caught.value.type == "WebhookFailed" and not caught.value.non_retryable


async def test_a_refused_delivery_is_logged_with_decision_host_and_status(
    server: HttpRecorder, sender: WebhookSender, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_next(1, 410)

    with caplog.at_level(logging.WARNING), pytest.raises(ApplicationError) as caught:
        await deliver(sender, server.url)

    assert caught.value.type == "WebhookRefused"
    assert caught.value.details[0] == {
        "decision_id": "refund-1042",
        "host": "127.0.0.1",
        "status": 410,
    }
    assert (
        "the outcome webhook of decision refund-1042 to 127.0.0.1 failed: HTTP 410;"
        " the receiver refused it"
    ) in caplog.text
    assert len(server.requests) == 1
