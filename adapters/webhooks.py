"""Signed, retried JSON webhooks: the webhook channel and outcome delivery share them.

The receiver checks ``X-Signoff-Signature`` against ``X-Signoff-Timestamp`` and the raw
body with the shared secret (:func:`verify`), so a forged or replayed call is refused,
and de-duplicates on ``X-Signoff-Idempotency-Key``, so a retried delivery is harmless.

Retries here are deliberately few and short: the sender runs inside a Temporal activity,
and raising :class:`WebhookDeliveryError` lets Temporal retry later with its own backoff
instead of holding a worker slot while a receiver is down.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from pydantic import BaseModel
from pydantic_core import to_json

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookDeliveryError",
    "WebhookSender",
    "sign",
    "verify",
]

TIMESTAMP_HEADER = "X-Signoff-Timestamp"
SIGNATURE_HEADER = "X-Signoff-Signature"
IDEMPOTENCY_HEADER = "X-Signoff-Idempotency-Key"

log = logging.getLogger("signoff.webhooks")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature of one delivery; the timestamp is signed so it cannot be replayed."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def verify(
    secret: str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """Whether a delivery is genuine and fresh; for receivers and tests.

    A timestamp more than ``tolerance_s`` away from ``now`` is refused even when the
    signature matches, so a captured request cannot be sent again later.
    """
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


class WebhookDeliveryError(Exception):
    """A webhook could not be delivered.

    Attributes:
        url: Where it was sent.
        status: The last HTTP status, or None when no response came back.
        attempts: How many attempts were made.
        retry_after: Seconds the receiver asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None,
        attempts: int,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts
        self.retry_after = retry_after


class WebhookSender:
    """Posts signed JSON, retrying connection errors, 429 and 5xx a few times.

    Args:
        secret: The shared HMAC secret.
        attempts: Tries per :meth:`send`, the first included.
        base_delay_s: Backoff before the second try; doubled for each later one.
        max_delay_s: Longest wait between tries; a 429 asking for more gives up at once
            (with ``retry_after`` on the error) so Temporal can wait instead.
        timeout_s: Total time allowed for one request.
        session: A session to use instead of the sender's own; it is not closed here.
    """

    def __init__(
        self,
        secret: str,
        *,
        attempts: int = 3,
        base_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
        timeout_s: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._secret = secret
        self._attempts = attempts
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = session
        self._owns_session = session is None
        self._clock = clock
        self._sleep = sleep

    async def send(
        self, url: str, payload: BaseModel | dict[str, Any], *, idempotency_key: str
    ) -> None:
        """Deliver ``payload`` once, as far as the receiver de-duplicates on the key.

        Raises:
            WebhookDeliveryError: after the last attempt, or at once on a 4xx other
                than 429, since sending the same request again cannot succeed.
        """
        body = (
            payload.model_dump_json().encode()
            if isinstance(payload, BaseModel)
            else to_json(payload)
        )
        status: int | None = None
        for attempt in range(1, self._attempts + 1):
            delay = self._base_delay_s * 2 ** (attempt - 1)
            try:
                status, retry_after = await self._post(url, body, idempotency_key)
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
                status, retry_after = None, None
            else:
                if status < 300:
                    return
                problem = f"HTTP {status}"
                if status != 429 and status < 500:
                    raise WebhookDeliveryError(
                        f"webhook {url} refused the delivery: {problem}",
                        url=url,
                        status=status,
                        attempts=attempt,
                    )
            if retry_after is not None and retry_after > self._max_delay_s:
                raise WebhookDeliveryError(
                    f"webhook {url} asked to wait {retry_after:g}s: {problem}",
                    url=url,
                    status=status,
                    attempts=attempt,
                    retry_after=retry_after,
                )
            if attempt == self._attempts:
                raise WebhookDeliveryError(
                    f"webhook {url} failed after {attempt} attempts: {problem}",
                    url=url,
                    status=status,
                    attempts=attempt,
                    retry_after=retry_after,
                )
            wait = retry_after if retry_after is not None else min(delay, self._max_delay_s)
            log.warning("webhook %s: %s; retrying in %.2fs", url, problem, wait)
            await self._sleep(wait)

    async def _post(self, url: str, body: bytes, key: str) -> tuple[int, float | None]:
        # Signed per attempt, so a delivery retried minutes later is still fresh.
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "signoff-webhooks/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
            IDEMPOTENCY_HEADER: key,
        }
        session = self._get_session()
        async with session.post(
            url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
        ) as response:
            await response.read()
            retry_after = _seconds(response.headers.get("Retry-After"))
            return response.status, retry_after if response.status == 429 else None

    def _get_session(self) -> aiohttp.ClientSession:
        # Made on first use: a session must be created inside the running event loop.
        if self._session is None or (self._session.closed and self._owns_session):
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds; an HTTP-date form is ignored in favour of our backoff."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return max(0.0, seconds) if seconds is not None and math.isfinite(seconds) else None
