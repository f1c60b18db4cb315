"""Serve the Bolt app over HTTP with aiohttp: ``POST /slack/events`` (events,
interactivity and slash commands all use the one Request URL) and ``GET /healthz``.

slack-bolt ships aiohttp converters (``to_bolt_request``/``to_aiohttp_response``) but
no request handler class for aiohttp, so the handler is written here. Bolt's request
object parses the body before its signature middleware runs, and its matchers assume a
well-formed payload; either could raise on a forged or malformed request and answer 500.
So the signature is checked first (401 without a valid one, before anything is parsed),
and a signed request Bolt cannot read (not of the documented shape Bolt routes on, see
:mod:`signoff.bots.slack.payloads`) is a 400 with one sentence, before Bolt sees it.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from signoff.bots.slack.payloads import readable
from signoff.bots.web_app import bot_web_app
from signoff.core import messages

__all__ = ["EVENTS_PATH", "web_app"]

EVENTS_PATH = "/slack/events"
logger = logging.getLogger(__name__)


def web_app(app: AsyncApp, signing_secret: str) -> web.Application:
    """The HTTP face of ``app``; ``signing_secret`` is the one ``app`` was built with."""
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.text()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        signed = (
            timestamp.isdigit()
            and bool(signature)
            and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        )
        if not signed:
            return web.json_response({"error": messages.SLACK_UNSIGNED}, status=401)
        if not _readable(body, request.content_type):
            logger.warning("A signed Slack request of a shape Signoff does not read: refused")
            return web.json_response({"error": messages.SLACK_UNREADABLE}, status=400)
        try:
            bolt_request = await to_bolt_request(request)
            bolt_response = await app.async_dispatch(bolt_request)
        except Exception:  # a signed payload of a shape Bolt cannot parse
            logger.warning("Unreadable signed Slack request", exc_info=True)
            bolt_response = None
        if bolt_response is None or bolt_response.status >= 500:
            # Bolt answers 500 itself when a matcher throws on the payload's shape.
            return web.json_response({"error": messages.SLACK_UNREADABLE}, status=400)
        return await to_aiohttp_response(bolt_response)

    return bot_web_app(EVENTS_PATH, events)


def _readable(body: str, content_type: str) -> bool:
    """Whether Bolt can route ``body``: parsed as Bolt parses it, of the documented shape
    it reads (:func:`signoff.bots.slack.payloads.readable`)."""
    try:
        parsed = parse_body(body, content_type)
    except ValueError:  # JSON that is not (json.JSONDecodeError is a ValueError)
        return False
    return readable(parsed)
