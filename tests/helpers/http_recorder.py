"""A real HTTP server on 127.0.0.1 that records every request and answers as told.

Tests talk to it over a socket, exactly as a webhook receiver or a chat API would be
reached, and can make it fail the next few requests (429 with Retry-After, 500, 400).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

__all__ = ["HttpRecorder", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: CIMultiDict[str]  # case-insensitive, as HTTP headers are
    body: bytes
    received_at: float  # event-loop time, to measure waits between retries

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class HttpRecorder:
    """Use as ``async with HttpRecorder() as server:``; post to ``server.url``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._answers: deque[_Answer] = deque()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the recorder is not started")
        return f"http://127.0.0.1:{self._port}/hook"

    def fail_next(self, count: int, status: int, *, retry_after: float | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` (and ``Retry-After``)."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        for _ in range(count):
            self._answers.append(_Answer(status, headers, f"failing on purpose: {status}"))

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until ``count`` requests have arrived; for calls made in the background."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.requests) >= count), timeout
            )
        return self.requests[:count]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> HttpRecorder:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            headers=CIMultiDict(request.headers),
            body=await request.read(),
            received_at=asyncio.get_running_loop().time(),
        )
        async with self._arrived:
            self.requests.append(recorded)
            self._arrived.notify_all()
        answer = self._answers.popleft() if self._answers else _Answer(200, body='{"ok": true}')
        return web.Response(status=answer.status, headers=answer.headers, text=answer.body)
