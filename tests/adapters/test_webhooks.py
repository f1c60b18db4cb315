"""Signed webhooks against a real local HTTP server: what a receiver sees and verifies."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from signoff.adapters.webhook_signing import secret_key, sign, verify
from signoff.adapters.webhooks import WebhookDeliveryError, WebhookSender
from tests.helpers.builders import make_outcome
from tests.helpers.http_recorder import HttpRecorder, RecordedRequest
from tests.helpers.standard_webhooks import SECRET, received


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(SECRET, attempts=3, base_delay_s=0.01) as webhook_sender:
        yield webhook_sender


def forged(request: RecordedRequest, **headers: str) -> RecordedRequest:
    altered = request.headers.copy()
    altered.update(headers)
    return RecordedRequest(request.method, request.path, altered, request.body, 0.0)


def test_signature_is_the_standard_webhooks_one() -> None:
    # The reference library signs "{id}.{timestamp}.{body}" with the whsec_ key.
    at = datetime.fromtimestamp(1700000000, UTC)
    expected = Webhook(SECRET).sign("msg_1", at, '{"a":1}')
    assert sign(secret_key(SECRET), "msg_1", 1700000000, b'{"a":1}') == expected


def test_stale_or_foreign_signatures_are_refused() -> None:
    body = b'{"a":1}'
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1000",
        "webhook-signature": sign(secret_key(SECRET), "msg_1", 1000, body),
    }
    assert verify(SECRET, headers, body, now=1100)
    assert not verify(SECRET, headers, body, now=1000 + 301)
    other = "whsec_" + "A" * 40
    assert not verify(other, headers, body, now=1000)
    assert not verify(SECRET, headers | {"webhook-id": "msg_2"}, body, now=1000)
    assert not verify(SECRET, headers | {"webhook-timestamp": "x"}, body, now=1000)


@pytest.mark.parametrize("secret", [None, "", "change-me", "whsec_c2hvcnQ=", "whsec_!!!"])
def test_a_placeholder_or_short_secret_is_refused(secret: str | None) -> None:
    with pytest.raises(ValueError, match="webhook secret"):
        WebhookSender(secret)  # type: ignore[arg-type]


async def test_receiver_verifies_a_delivery(server: HttpRecorder, sender: WebhookSender) -> None:
    outcome = make_outcome()
    await sender.send(server.url, outcome, idempotency_key="refund-1042/outcome/1")

    [request] = server.requests
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-id"].startswith("msg_")
    assert received(request)["decision_id"] == "refund-1042"


async def test_tampered_body_or_id_fails_verification(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    await sender.send(server.url, {"approved": False}, idempotency_key="k")
    [request] = server.requests
    received(request)
    tampered = RecordedRequest(
        request.method,
        request.path,
        request.headers,
        request.body.replace(b"false", b"true"),
        0.0,
    )
    with pytest.raises(WebhookVerificationError):
        received(tampered)
    with pytest.raises(WebhookVerificationError):
        received(forged(request, **{"webhook-id": "msg_another"}))


async def test_every_retry_of_a_delivery_carries_the_same_id(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    server.fail_next(2, 503)
    await sender.send(server.url, {"n": 1}, idempotency_key="refund-1042/outcome/0")
    await sender.send(server.url, {"n": 2}, idempotency_key="refund-1042/outcome/1")

    ids = [r.headers["webhook-id"] for r in server.requests]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    for request in server.requests:
        received(request)


async def test_429_is_retried_after_the_time_asked(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    server.fail_next(1, 429, retry_after=0.3)
    await sender.send(server.url, {"n": 1}, idempotency_key="k-429")

    first, second = server.requests
    assert second.received_at - first.received_at >= 0.3
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    received(second)


async def test_503_with_retry_after_is_retried_after_the_time_asked(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    server.fail_next(1, 503, retry_after=0.3)
    await sender.send(server.url, {"n": 1}, idempotency_key="k-503")

    first, second = server.requests
    assert second.received_at - first.received_at >= 0.3


async def test_retry_after_too_long_gives_up_for_temporal_to_retry(
    server: HttpRecorder,
) -> None:
    server.fail_next(1, 429, retry_after=120)
    async with WebhookSender(SECRET, max_delay_s=5) as impatient:
        with pytest.raises(WebhookDeliveryError) as caught:
            await impatient.send(server.url, {"n": 1}, idempotency_key="k")
    assert caught.value.retry_after == 120 and not caught.value.permanent
    assert len(server.requests) == 1


async def test_500_then_success_is_delivered(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(2, 503)
    await sender.send(server.url, {"n": 1}, idempotency_key="k")
    assert len(server.requests) == 3


async def test_408_is_retried_like_a_server_error(
    server: HttpRecorder, sender: WebhookSender
) -> None:
    server.fail_next(1, 408)
    await sender.send(server.url, {"n": 1}, idempotency_key="k")
    assert len(server.requests) == 2


async def test_500_three_times_raises(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(3, 500)
    with pytest.raises(WebhookDeliveryError) as caught:
        await sender.send(server.url, {"n": 1}, idempotency_key="k")

    error = caught.value
    assert (error.status, error.attempts, error.url) == (500, 3, server.url)
    assert f"webhook {server.url} failed after 3 attempts: HTTP 500" in str(error)
    assert not error.permanent
    assert len(server.requests) == 3


async def test_400_is_not_retried(server: HttpRecorder, sender: WebhookSender) -> None:
    server.fail_next(1, 400)
    with pytest.raises(WebhookDeliveryError, match="refused the delivery: HTTP 400") as caught:
        await sender.send(server.url, {"n": 1}, idempotency_key="k")
    assert caught.value.status == 400 and caught.value.permanent
    assert len(server.requests) == 1


async def test_unreachable_receiver_is_retried_then_raises(sender: WebhookSender) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"  # closed on exit: nobody listens

    with pytest.raises(WebhookDeliveryError, match="failed after 3 attempts") as caught:
        await sender.send(url, {"n": 1}, idempotency_key="k")
    assert caught.value.status is None and not caught.value.permanent
