"""The aiohttp application each bot serves: its one endpoint and ``GET /healthz``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def bot_web_app(path: str, handler: Handler) -> web.Application:
    """``POST path`` goes to ``handler``; ``GET /healthz`` answers ``{"ok": true}``."""
    application = web.Application()
    application.router.add_post(path, handler)
    application.router.add_get("/healthz", healthz)
    return application
