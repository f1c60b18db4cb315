"""The Bot Framework connector, outbound: post, reply to and update activities, open
personal chats and look up a conversation's members, over aiohttp with retries for what
a later attempt can fix.

Why not botbuilder's ``ConnectorClient``: botbuilder-python is archived upstream, and
its client gives no say over retries. These five REST calls are the whole of what the
channel needs, so the Teams-specific layer stays thin and replaceable.

Retries: 429 (sleeping for the ``Retry-After`` seconds), 5xx and dropped connections,
``max_retries`` times; then :class:`ConnectorError` propagates, the publish activity
fails and Temporal retries it later. A Teams outage delays cards but loses none.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from signoff.adapters.teams.teams_settings import TeamsSettings

__all__ = ["ConnectorError", "TeamsConnector", "TokenSource", "token_source"]

log = logging.getLogger(__name__)

TokenSource = Callable[[], Awaitable[str | None]]
"""Gives the bearer token for the next call, or None to send none (anonymous mode)."""

RETRYABLE = {429, 500, 502, 503, 504}


class ConnectorError(Exception):
    """The connector refused a call, or kept failing after every retry."""

    def __init__(self, status: int, method: str, url: str, body: str) -> None:
        super().__init__(f"{method} {url} answered {status}: {body[:300]}")
        self.status = status


def token_source(settings: TeamsSettings) -> TokenSource:
    """Tokens for the bot's app id from Microsoft Entra ID (msal caches and renews them);
    none in anonymous mode."""
    if settings.anonymous or not settings.app_id:

        async def anonymous() -> str | None:
            return None

        return anonymous
    from botframework.connector.auth import MicrosoftAppCredentials

    tenant = settings.tenant_id if settings.app_type == "SingleTenant" else None
    credentials = MicrosoftAppCredentials(
        settings.app_id, settings.app_password.get_secret_value(), channel_auth_tenant=tenant
    )

    async def token() -> str | None:
        return await asyncio.to_thread(credentials.get_access_token)

    return token


class TeamsConnector:
    """Calls the connector at each conversation's ``serviceUrl``.

    Args:
        tokens: Where bearer tokens come from (:func:`token_source`).
        max_retries: Retries of a retryable failure, on top of the first attempt.
        backoff: Seconds before the first retry of a 5xx or connection error; doubled
            each time. Rate limits wait as long as ``Retry-After`` says.
    """

    def __init__(self, tokens: TokenSource, *, max_retries: int = 3, backoff: float = 0.5) -> None:
        self._tokens = tokens
        self._max_retries = max_retries
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        """Post ``activity`` into a conversation (in a Teams channel: a new thread);
        returns the new activity's id."""
        url = _conversation_url(service_url, conversation_id) + "/activities"
        answer = await self._call("POST", url, activity)
        return str(answer.get("id", ""))

    async def reply(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> str:
        """Post ``activity`` as a reply to ``activity_id`` (in a channel: in its thread)."""
        url = f"{_conversation_url(service_url, conversation_id)}/activities/{quote(activity_id)}"
        answer = await self._call("POST", url, {**activity, "replyToId": activity_id})
        return str(answer.get("id", ""))

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        """Replace a posted activity, e.g. a card with its redrawn self."""
        url = f"{_conversation_url(service_url, conversation_id)}/activities/{quote(activity_id)}"
        await self._call("PUT", url, {**activity, "id": activity_id})

    async def create_conversation(self, service_url: str, parameters: dict[str, Any]) -> str:
        """Open (or find) a conversation, e.g. a personal chat; returns its id."""
        answer = await self._call("POST", f"{_base(service_url)}v3/conversations", parameters)
        return str(answer["id"])

    async def member(
        self, service_url: str, conversation_id: str, member_id: str
    ) -> dict[str, Any]:
        """One member of a conversation (a team's, a chat's) by AAD object id or user MRI:
        a Teams channel account with ``id`` (the MRI) and ``aadObjectId``."""
        url = (
            f"{_conversation_url(service_url, conversation_id)}/members/{quote(member_id, safe='')}"
        )
        return await self._call("GET", url, None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, url: str, body: dict[str, Any] | None) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                status, text, retry_after = await self._once(method, url, body)
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                if attempt >= self._max_retries:
                    raise
                log.info("%s %s failed (%s); retrying", method, url, exc)
                await asyncio.sleep(self._backoff * 2**attempt)
                attempt += 1
                continue
            if status < 300:
                return _json(text)
            if status not in RETRYABLE or attempt >= self._max_retries:
                raise ConnectorError(status, method, url, text)
            wait = retry_after if status == 429 and retry_after is not None else None
            await asyncio.sleep(wait if wait is not None else self._backoff * 2**attempt)
            attempt += 1

    async def _once(
        self, method: str, url: str, body: dict[str, Any] | None
    ) -> tuple[int, str, float | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        token = await self._tokens()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self._session.request(method, url, json=body, headers=headers) as response:
            text = await response.text()
            return response.status, text, _seconds(response.headers.get("Retry-After"))


def _base(service_url: str) -> str:
    return service_url if service_url.endswith("/") else service_url + "/"


def _conversation_url(service_url: str, conversation_id: str) -> str:
    return f"{_base(service_url)}v3/conversations/{quote(conversation_id, safe='')}"


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _json(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    data = json.loads(text)
    return data if isinstance(data, dict) else {}
