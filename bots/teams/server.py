"""Serve the Teams bot over HTTP with aiohttp: ``POST /api/messages`` (the messaging
endpoint of the Azure Bot registration) and ``GET /healthz``.

The activity is processed with ``CloudAdapter.process_activity`` and the invoke
response written here, because ``CloudAdapter.process`` in botbuilder 4.17 serialises
the response twice and answers 500 to every ``adaptiveCard/action`` invoke.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory

from signoff.adapters.teams import SigningKeys, TeamsSettings
from signoff.bots.teams.channel_tokens import ChannelAuthentication
from signoff.bots.teams.inbound import activity_problem
from signoff.bots.web_app import bot_web_app

__all__ = ["MESSAGES_PATH", "make_adapter", "web_app"]

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


def make_adapter(
    settings: TeamsSettings, *, credentials_factory: ServiceClientCredentialsFactory | None = None
) -> CloudAdapter:
    """A ``CloudAdapter`` that checks each request's token for the bot's app id (in
    anonymous mode: accepts requests without one, as the Bot Framework Emulator does),
    with the signing keys from ``settings.openid_metadata_url``.

    Args:
        settings: The bot's app id, password and tenant.
        credentials_factory: What gives the bot its outbound tokens when it answers a
            message; by default botbuilder's, from the app id and password.
    """
    configuration = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.tenant_id,
    )
    inner = ConfigurationBotFrameworkAuthentication(
        configuration, credentials_factory=credentials_factory
    )
    keys = SigningKeys(settings.openid_metadata_url)
    adapter = CloudAdapter(ChannelAuthentication(inner, settings.app_id, keys))

    async def on_error(context: object, error: Exception) -> None:
        log.exception("the Teams bot failed on an activity", exc_info=error)

    adapter.on_turn_error = on_error
    return adapter


def web_app(adapter: CloudAdapter, bot: Bot) -> web.Application:
    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType(text="send the activity as application/json")
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="the body is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body is not a Bot Framework activity")
        if (problem := activity_problem(body)) is not None:
            raise web.HTTPBadRequest(text=problem)
        try:
            activity = Activity().deserialize(body)
        except ValueError:  # msrest's DeserializationError: a field of the wrong shape
            raise web.HTTPBadRequest(text="the body is not a Bot Framework activity") from None
        if activity is None or not activity.type:
            raise web.HTTPBadRequest(text="the body is not a Bot Framework activity: no 'type'")
        auth_header = request.headers.get("Authorization", "")
        try:
            response = await adapter.process_activity(auth_header, activity, bot.on_turn)
        except PermissionError as err:
            # No token where one is required, or one that is malformed, not signed by the
            # Bot Framework, or not checkable now (its key endpoint unreachable): the
            # activity never reaches the bot (ChannelAuthentication raises nothing else).
            log.info("refused an activity: %s", err)
            raise web.HTTPUnauthorized(text="unauthorized") from None
        if response is None:
            if activity.type == "invoke":  # the bot failed; on_error has logged why
                raise web.HTTPInternalServerError(text="the bot could not answer this invoke")
            return web.Response(status=201)
        return web.json_response(response.body, status=response.status)

    application = bot_web_app(MESSAGES_PATH, messages)
    authentication = adapter.bot_framework_authentication
    if isinstance(authentication, ChannelAuthentication):

        async def close_keys(_: web.Application) -> None:
            await authentication.keys.close()

        application.on_cleanup.append(close_keys)
    return application
