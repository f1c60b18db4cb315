"""Serve the Bolt app over HTTP with aiohttp: ``POST /slack/events`` (events,
interactivity and slash commands all use the one Request URL) and ``GET /healthz``.

slack-bolt ships aiohttp converters (``to_bolt_request``/``to_aiohttp_response``) but
no request handler class for aiohttp, so the handler is the three lines below.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from signoff.bots.web_app import bot_web_app

__all__ = ["EVENTS_PATH", "web_app"]

EVENTS_PATH = "/slack/events"


def web_app(app: AsyncApp) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    return bot_web_app(EVENTS_PATH, events)
