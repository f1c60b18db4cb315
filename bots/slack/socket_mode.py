"""Run the Bolt app over Socket Mode: Slack pushes clicks, modal submissions and slash
commands down a WebSocket the bot opens, so the bot needs no public Request URL (behind a
firewall, on a laptop).

Why it is built this way: ``docs/design-notes.md``, "The Slack bot: Socket Mode".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from signoff.adapters.slack import SlackSettings, make_client

__all__ = ["SocketModeRefused", "serve_socket_mode", "socket_mode"]


class SocketModeRefused(RuntimeError):
    """Slack would not open a Socket Mode connection, e.g. for a wrong or revoked token."""


@asynccontextmanager
async def socket_mode(
    app: AsyncApp, settings: SlackSettings
) -> AsyncIterator[AsyncSocketModeHandler]:
    """Connect ``app`` to Slack over Socket Mode for the duration of the block.

    Leaving the block (or cancelling it) closes the WebSocket; for running other things
    alongside the bot, e.g. a worker in ``signoff dev``.

    Args:
        app: The Bolt app, built with ``socket_mode=True`` unless it has a signing secret.
        settings: ``app_token`` opens the connection; ``api_base_url`` is where
            ``apps.connections.open`` is called.

    Raises:
        ValueError: the settings have no app-level token.
        SocketModeRefused: Slack refused the app-level token.
    """
    if settings.app_token is None:
        raise ValueError("Socket Mode needs SIGNOFF_SLACK_APP_TOKEN, an app-level token (xapp-...)")
    handler = AsyncSocketModeHandler(
        app, settings.app_token.get_secret_value(), web_client=make_client(settings)
    )
    try:
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as err:
            raise SocketModeRefused(
                f"Slack refused to open a Socket Mode connection ({err.response.get('error')}):"
                " SIGNOFF_SLACK_APP_TOKEN must be an app-level token (xapp-...) with the"
                " connections:write scope, for an app with Socket Mode turned on"
            ) from err
        await handler.connect_async()
        yield handler
    finally:
        await handler.close_async()


async def serve_socket_mode(app: AsyncApp, settings: SlackSettings, *, stop: asyncio.Event) -> None:
    """Run ``app`` over Socket Mode until ``stop`` is set, then close the connection.

    Raises:
        ValueError: the settings have no app-level token.
        SocketModeRefused: Slack refused the app-level token.
    """
    async with socket_mode(app, settings):
        await stop.wait()
