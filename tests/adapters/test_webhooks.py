"""Signed webhooks against a real local HTTP server: what a receiver sees and verifies."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from signoff.adapters.webhooks import WebhookDeliveryError, WebhookSender, sign, verify
from tests.helpers.builders import make_outcome
from tests.helpers.http_recorder import HttpRecorder, RecordedRequest

SECRET = "s3cret"


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(SECRET, attempts=3, base_delay_s=0.01) as webhook_sender:
        yield webhook_sender


def is_genuine(request: RecordedRequest, body: bytes | None = None) -> bool:
    return verify(
        SECRET,
        request.headers["X-Signoff-Timestamp"],
        request.body if body is None else body,
        request.headers["X-Signoff-Signature"],
    )


def test_signature_is_hmac_sha256_of_timestamp_and_body() -> None:
    # From: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    expected = "v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
    assert sign(SECRET, 1700000000, b'{"a":1}') == expected


def test_stale_or_foreign_signatures_are_refused() -> None:
    body = b'{"a":1}'
    signature = sign(SECRET, 1000, body)
    assert verify(SECRET, 1000, body, signature, now=1100)
    assert not verify(SECRET, 1000, body, signature, now=1000 + 301)
    assert not verify("other", 1000, body, signature, now=1000)
    assert not verify(SECRET, "not-a-number", body, signature, now=1000)


async def test_receiver_verifies_a_delivery(server: HttpRecorder, sender: WebhookSender) -> None:
    outcome = make_outcome()
    await sender.send(server.url, outcome, idempotency_key="refund-1042/outcome/1")

    [request] = server.requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Signoff-Idempotency-Key"] == "refund-1042/outcome/1"
    assert is_genuine(request)
    assert request.json()["decision_id"] == "refund-1042"


async def test_tampered_body_fails_verification(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    await sender.send(server.url, {"approved": False}, idempotency_key="k")
    [request] = server.requests
    assert is_genuine(request)
    assert not is_genuine(request, body=request.body.replace(b"false", b"true"))


async def test_429_is_retried_after_the_time_asked(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    server.fail_next(1, 429, retry_after=0.3)
    await sender.send(server.url, {"n": 1}, idempotency_key="k-429")

    first, second = server.requests
    assert second.received_at - first.received_at >= 0.3
    assert first.headers["X-Signoff-Idempotency-Key"] == second.headers["X-Signoff-Idempotency-Key"]
    assert is_genuine(second)


async def test_429_asking_for_too_long_gives_up_for_temporal_to_retry(
    server: HttpRecorder,
) -> None:
    server.fail_next(1, 429, retry_after=120)
    async with WebhookSender(SECRET, max_delay_s=5) as impatient:
        with pytest.raises(WebhookDeliveryError) as caught:
            await impatient.send(server.url, {"n": 1}, idempotency_key="k")
    assert caught.value.retry_after == 120
    assert len(server.requests) == 1


async def test_500_then_success_is_delivered(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(2, 503)
    await sender.send(server.url, {"n": 1}, idempotency_key="k")
    assert len(server.requests) == 3


async def test_500_three_times_raises(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(3, 500)
    with pytest.raises(WebhookDeliveryError) as caught:
        await sender.send(server.url, {"n": 1}, idempotency_key="k")

    error = caught.value
    assert (error.status, error.attempts, error.url) == (500, 3, server.url)
    assert f"webhook {server.url} failed after 3 attempts: HTTP 500" in str(error)
    assert len(server.requests) == 3


async def test_400_is_not_retried(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(1, 400)
    with pytest.raises(WebhookDeliveryError, match="refused the delivery: HTTP 400") as caught:
        await sender.send(server.url, {"n": 1}, idempotency_key="k")
    assert caught.value.status == 400
    assert len(server.requests) == 1


async def test_unreachable_receiver_is_retried_then_raises(sender: WebhookSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"  # closed on exit: nobody listens

    with pytest.raises(WebhookDeliveryError, match="failed after 3 attempts") as caught:
        await sender.send(url, {"n": 1}, idempotency_key="k")
    assert caught.value.status is None
