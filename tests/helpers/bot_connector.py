"""A local Bot Framework connector on 127.0.0.1: the REST calls a Teams bot makes to its
``serviceUrl`` (create a conversation, post, reply to and update activities, look up a
member), recorded, with the option to fail the next few on purpose; and, as
login.botframework.com does, the OpenID metadata and signing keys of inbound tokens
(:attr:`BotConnector.keys` signs them), which can be made slow or unreachable.

Like the real connector it gives every posted activity an id never seen before (Teams'
ids are unique only within their conversation, so a stand-in restarting at 1 would make
tests collide), answers an update of
an unknown activity with 404, answers 429 with ``Retry-After``, and keeps each
conversation's messages so a test can read a card as a person would now see it.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.helpers.bot_tokens import BotFrameworkKeys

__all__ = ["BotConnector", "ConnectorCall"]


@dataclass(frozen=True)
class ConnectorCall:
    method: str  # POST or PUT
    conversation_id: str | None  # None for creating a conversation
    activity_id: str | None  # the activity replied to or updated
    body: dict[str, Any]
    authorization: str | None
    status: int
    received_at: float


class BotConnector:
    """Use as ``async with BotConnector() as connector:``; its address is ``service_url``."""

    def __init__(self) -> None:
        self.calls: list[ConnectorCall] = []
        # (conversation id, activity id) -> the activity as it stands now
        self.activities: dict[tuple[str, str], dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}  # id -> creation parameters
        self._failures: deque[tuple[int, dict[str, str]]] = deque()
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self.keys = BotFrameworkKeys()
        self.key_fetches = 0  # requests for the key set (not the metadata)
        self.keys_down = False  # answer 503 to the metadata and the key set
        self.keys_stalled = asyncio.Event()  # while set, the key set is not answered
        self.member_lookups: list[str] = []

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.service_url}v1/.well-known/openidconfiguration"

    @staticmethod
    def mri(aad: str) -> str:
        """The Teams user id (MRI, ``29:...``) of the person with AAD object id ``aad``:
        opaque, unrelated to the AAD id, stable, like Teams'."""
        return "29:1" + hashlib.sha256(aad.encode()).hexdigest()[:40]

    @property
    def service_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the connector stand-in is not started")
        return f"http://127.0.0.1:{self._port}/"

    def fail_next(self, count: int, status: int, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._failures.extend((status, headers) for _ in range(count))

    def accepted(self, method: str | None = None) -> list[ConnectorCall]:
        """Calls answered with success, optionally only ``POST`` or ``PUT`` ones."""
        return [c for c in self.calls if c.status < 300 and (method is None or c.method == method)]

    def cards_in(self, conversation_id: str) -> list[dict[str, Any]]:
        """The Adaptive Cards now showing in a conversation, oldest first."""
        return [
            attachment["content"]
            for (conversation, _), activity in self.activities.items()
            if conversation == conversation_id
            for attachment in activity.get("attachments") or []
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> BotConnector:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _record(self, request: web.Request, status: int, body: dict[str, Any]) -> None:
        self.calls.append(
            ConnectorCall(
                method=request.method,
                conversation_id=request.match_info.get("conversation"),
                activity_id=request.match_info.get("activity"),
                body=body,
                authorization=request.headers.get("Authorization"),
                status=status,
                received_at=asyncio.get_running_loop().time(),
            )
        )

    async def _failure(self, request: web.Request, body: dict[str, Any]) -> web.Response | None:
        if not self._failures:
            return None
        status, headers = self._failures.popleft()
        await self._record(request, status, body)
        error = {"error": {"code": "ServiceError", "message": f"stand-in failure {status}"}}
        return web.json_response(error, status=status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if failed := await self._failure(request, body):
            return failed
        members = body.get("members") or [{}]
        conversation_id = f"a:personal-{members[0].get('id', 'unknown')}"
        self.conversations[conversation_id] = body
        await self._record(request, 201, body)
        return web.json_response({"id": conversation_id}, status=201)

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if failed := await self._failure(request, body):
            return failed
        activity_id = f"act-{self._run}-{next(self._ids)}"
        self.activities[(request.match_info["conversation"], activity_id)] = body
        await self._record(request, 201, body)
        return web.json_response({"id": activity_id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        body = await request.json()
        if failed := await self._failure(request, body):
            return failed
        key = (request.match_info["conversation"], request.match_info["activity"])
        if key not in self.activities:
            await self._record(request, 404, body)
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        self.activities[key] = body
        await self._record(request, 200, body)
        return web.json_response({"id": key[1]})

    async def _member(self, request: web.Request) -> web.Response:
        """``GET .../members/{id}``, by AAD object id (as Teams also takes its MRI)."""
        member = request.match_info["member"]
        self.member_lookups.append(member)
        if member.startswith("29:"):
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"id": self.mri(member), "aadObjectId": member, "name": member})

    async def _metadata(self, request: web.Request) -> web.Response:
        if self.keys_down:
            return web.json_response({}, status=503)
        return web.json_response(
            {
                "issuer": "https://api.botframework.com",
                "jwks_uri": f"{self.service_url}v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.key_fetches += 1
        if self.keys_down:
            return web.json_response({}, status=503)
        while self.keys_stalled.is_set():
            await asyncio.sleep(0.05)
        return web.json_response(self.keys.jwks())
