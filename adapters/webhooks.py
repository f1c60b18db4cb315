"""Signed, retried JSON webhooks: the webhook channel and outcome delivery share them.

Deliveries follow Standard Webhooks (:mod:`signoff.adapters.webhook_signing`): the
receiver verifies ``webhook-signature`` with the shared ``whsec_`` secret and
de-duplicates on ``webhook-id``, which every retry of one delivery repeats.

Retries here are deliberately few and short: the sender runs inside a Temporal activity,
and raising :class:`WebhookDeliveryError` lets Temporal retry later with its own backoff
instead of holding a worker slot while a receiver is down.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from pydantic import BaseModel
from pydantic_core import to_json

from signoff.adapters.webhook_signing import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    message_id,
    secret_key,
    sign,
)
from signoff.core.errors import WebhookDeliveryError, is_retryable

__all__ = ["WebhookDeliveryError", "WebhookSender", "is_retryable"]

log = logging.getLogger("signoff.webhooks")


class WebhookSender:
    """Posts signed JSON, retrying connection errors, 408, 429 and 5xx a few times.

    Args:
        secret: The shared ``whsec_`` secret (ValueError when it is not one).
        attempts: Tries per :meth:`send`, the first included.
        base_delay_s: Backoff before the second try; doubled for each later one.
        max_delay_s: Longest wait between tries; a ``Retry-After`` asking for more gives
            up at once (with ``retry_after`` on the error) so Temporal can wait instead.
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
        self._key = secret_key(secret)
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
        """Deliver ``payload`` once, as far as the receiver de-duplicates on its
        ``webhook-id`` (derived from ``idempotency_key``).

        Raises:
            WebhookDeliveryError: after the last attempt, or at once on a 4xx other
                than 408 and 429, since sending the same request again cannot succeed.
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
                if not is_retryable(status):
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
        # Signed per attempt, so a delivery retried minutes later is still fresh; the id
        # stays the same, so the receiver knows it for the delivery it may have seen.
        timestamp = int(self._clock())
        msg_id = message_id(key)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "signoff-webhooks/1",
            ID_HEADER: msg_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._key, msg_id, timestamp, body),
        }
        session = self._get_session()
        async with session.post(
            url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
        ) as response:
            await response.read()
            retry_after = _seconds(response.headers.get("Retry-After"))
            return response.status, retry_after if is_retryable(response.status) else None

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
