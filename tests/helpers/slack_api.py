"""A local Slack Web API on 127.0.0.1: speaks the wire protocol of the few methods
Signoff calls, records every call, and can fail the next few on purpose.

Point ``AsyncWebClient(base_url=api.base_url)`` at it. Like Slack, it accepts form or
JSON bodies, checks ``Authorization: Bearer <token>`` (answering ``ok: false`` with
``not_authed`` or ``invalid_auth`` and HTTP 200), answers 429 with ``Retry-After`` and
``error: ratelimited``, and gives every posted message a fresh ``ts``.

It also stands in for Socket Mode: ``apps.connections.open`` (app-level token only) hands
out a one-use ``ws://`` URL on this server, which greets with ``hello``;
:meth:`SlackApi.socket_send` pushes an envelope down it and returns the app's ack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

__all__ = ["APP_TOKEN", "SlackApi", "SlackCall"]

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A1-test-app-token"


@dataclass(frozen=True)
class SlackCall:
    method: str  # e.g. "chat.postMessage"
    args: dict[str, Any]  # the body, JSON-valued form fields (blocks) decoded
    authorization: str | None
    status: int  # what the stand-in answered
    received_at: float  # event-loop time, to measure waits between retries


@dataclass
class _Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    error: str = "fatal_error"


class SlackApi:
    """Use as ``async with SlackApi() as api:``; messages live in ``api.messages``."""

    def __init__(self, token: str = TOKEN, app_token: str = APP_TOKEN) -> None:
        self.token = token
        self.app_token = app_token
        self.calls: list[SlackCall] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        # users.info and users.lookupByEmail answer from here: Slack user id -> profile
        # fields, e.g. {"email": ...}
        self.profiles: dict[str, dict[str, Any]] = {}
        # seconds to wait before answering a method, as a slow Slack would
        self.delays: dict[str, float] = {}
        # what was POSTed to a response_url (``response_url(name)``), by name
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self._failures: deque[_Failure] = deque()
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._tickets: set[str] = set()  # WebSocket URLs handed out and not yet used
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the Slack API stand-in is not started")
        return f"http://127.0.0.1:{self._port}/api/"

    def fail_next(
        self, count: int, status: int, *, retry_after: int | None = None, error: str | None = None
    ) -> None:
        """Answer the next ``count`` calls with ``status`` and ``ok: false``, saying
        ``error`` (by default ``ratelimited`` for 429, else ``fatal_error``); Slack
        answers most refusals, e.g. ``expired_trigger_id``, with HTTP 200."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        error = error or ("ratelimited" if status == 429 else "fatal_error")
        self._failures.extend(_Failure(status, headers, error) for _ in range(count))

    def response_url(self, name: str) -> str:
        """A ``response_url`` on this server; what is posted to it lands in ``responses``."""
        return f"{self.base_url.removesuffix('/api/')}/response/{name}"

    @property
    def open_sockets(self) -> int:
        """Socket Mode connections open now."""
        return sum(not socket.closed for socket in self._sockets)

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Push an envelope down the newest open Socket Mode connection, as Slack does, and
        return the app's ack (``{"envelope_id": ..., "payload"?: ...}``).

        Args:
            envelope_type: ``interactive``, ``slash_commands`` or ``events_api``.
            payload: What Slack would POST over HTTP (an interactive payload's JSON, a slash
                command's form fields, an event callback).
            accepts_response_payload: Whether Slack would use a ``payload`` in the ack
                (slash commands, view submissions).
            timeout: How long to wait for a connection and then for the ack.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (sockets := [s for s in self._sockets if not s.closed]):
            if loop.time() > deadline:
                raise TimeoutError("no Socket Mode connection is open")
            await asyncio.sleep(0.01)
        envelope_id = str(uuid.uuid4())
        acked = self._acks[envelope_id] = loop.create_future()
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        try:
            await sockets[-1].send_json(envelope)
            return await asyncio.wait_for(acked, max(deadline - loop.time(), 0.1))
        finally:
            self._acks.pop(envelope_id, None)

    def calls_to(self, method: str) -> list[SlackCall]:
        """Calls Slack accepted (HTTP 200) to ``method``."""
        return [c for c in self.calls if c.method == method and c.status == 200]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        # slack_sdk GETs users.info and users.lookupByEmail
        app.router.add_get("/api/{method}", self._handle)
        app.router.add_post("/response/{name}", self._respond)
        app.router.add_get("/link/", self._link)
        app.on_shutdown.append(self._close_sockets)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        authorization = request.headers.get("Authorization")
        failure = self._failures.popleft() if self._failures else None
        status = failure.status if failure else 200
        self.calls.append(
            SlackCall(method, args, authorization, status, asyncio.get_running_loop().time())
        )
        if failure is not None:
            body = {"ok": False, "error": failure.error}
            return web.json_response(body, status=failure.status, headers=failure.headers)
        if not authorization:
            return web.json_response({"ok": False, "error": "not_authed"})
        if method == "apps.connections.open":
            return web.json_response(self._connections_open(authorization))
        if authorization != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.open": self._open,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._views_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._lookup_by_email,
        }.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(args))

    def _connections_open(self, authorization: str) -> dict[str, Any]:
        """Only an app-level token opens a connection; Slack refuses bot tokens by kind."""
        if not authorization.startswith("Bearer xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if authorization != f"Bearer {self.app_token}":
            return {"ok": False, "error": "invalid_auth"}
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/link/?ticket={ticket}"}

    async def _link(self, request: web.Request) -> web.StreamResponse:
        """A Socket Mode connection: ``hello`` first, then acks matched to envelopes."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        socket = web.WebSocketResponse()  # answers the client's pings itself
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": self.open_sockets,
                "debug_info": {"host": "applink-local", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A1"},
            }
        )
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            waiter = self._acks.get(ack.get("envelope_id", ""))
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        return socket

    async def _close_sockets(self, _: web.Application) -> None:
        for socket in self._sockets:
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        n = next(self._ts)
        ts = f"{1700000000 + n}.{n:06d}"
        message = {"ts": ts, "text": args.get("text"), "blocks": args.get("blocks")}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel", ""), args.get("ts", ""))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(text=args.get("text"), blocks=args.get("blocks"))
        return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text")}

    def _open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = args.get("users")
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": f"D{users}"}}

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.setdefault(request.match_info["name"], []).append(await request.json())
        return web.Response(text="ok")

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "channel_not_found"}
        n = next(self._ts)
        return {"ok": True, "message_ts": f"{1700000000 + n}.{n:06d}"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        n = next(self._ts)
        return {"ok": True, "view": {**(view or {}), "id": f"V{n:08d}"}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user", "")
        if user not in self.profiles:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._user(user)}

    def _lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        """The member with that address, else ``users_not_found``, as Slack answers."""
        wanted = str(args.get("email", "")).lower()
        for user, profile in self.profiles.items():
            if str(profile.get("email", "")).lower() == wanted:
                return {"ok": True, "user": self._user(user)}
        return {"ok": False, "error": "users_not_found"}

    def _user(self, user: str) -> dict[str, Any]:
        """A user object as users.info and users.lookupByEmail return it (the fields Signoff
        could read: id, team, name, deleted, profile)."""
        profile = self.profiles[user]
        return {
            "id": user,
            "team_id": "T1",
            "name": str(profile.get("email", user)).split("@")[0],
            "deleted": False,
            "profile": profile,
        }


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    else:
        args.update(await request.post())
    for name in ("blocks", "attachments", "view"):
        if isinstance(args.get(name), str):
            args[name] = json.loads(args[name])
    return args
