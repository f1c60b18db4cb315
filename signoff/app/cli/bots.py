"""Serving the chat bots: Slack (Socket Mode or HTTP) and Teams, each where its settings
exist; for ``signoff slack``, ``signoff teams`` and ``signoff dev``.

Slack runs in Socket Mode when an app-level token (``SIGNOFF_SLACK_APP_TOKEN``) is set,
so a laptop needs no public URL; otherwise over HTTP at ``/slack/events``, which needs
the signing secret. Teams is served at ``/api/messages``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from signoff.adapters.notary import load_voucher
from signoff.adapters.slack import slack_settings
from signoff.adapters.teams import teams_settings
from signoff.app.cli.failures import CliError
from signoff.client.signoff_client import SignoffClient
from signoff.core.catalog import load_directory
from signoff.core.settings import Settings
from signoff.core.vouching import Voucher

__all__ = ["NO_SLACK_BOT", "BotAddresses", "running_bots"]

NO_SLACK_BOT = (
    "Slack cards are posted, but clicks need the Slack bot: set SIGNOFF_SLACK_APP_TOKEN"
    " (Socket Mode) or SIGNOFF_SLACK_SIGNING_SECRET (HTTP)."
)


@dataclass(frozen=True)
class BotAddresses:
    """Where the bots listen."""

    host: str = "0.0.0.0"
    slack_port: int = 3000
    teams_port: int = 3978  # the Bot Framework's customary port
    api_port: int = 8700
    """The HTTP API's (``signoff serve``), which ``signoff dev`` runs beside the bots."""


@asynccontextmanager
async def running_bots(
    settings: Settings,
    client: SignoffClient,
    addresses: BotAddresses,
    *,
    slack: bool = True,
    teams: bool = True,
) -> AsyncIterator[list[str]]:
    """Run every bot asked for whose settings exist, for the duration of the block;
    yields one line per bot saying where it listens."""
    directory = load_directory(settings.directory_file)
    lines: list[str] = []
    async with AsyncExitStack() as stack:
        slack_config = slack_settings() if slack else None
        if slack_config is not None and not (slack_config.app_token or slack_config.signing_secret):
            lines.append(NO_SLACK_BOT)
        elif slack_config is not None:
            from signoff.bots.slack.app import build_app
            from signoff.bots.slack.server import EVENTS_PATH
            from signoff.bots.slack.server import web_app as slack_web_app
            from signoff.bots.slack.socket_mode import SocketModeRefused, socket_mode

            socket = slack_config.app_token is not None
            app = build_app(
                client=client.vouching_as(surface_voucher(settings, "slack")),
                directory=directory,
                settings=slack_config,
                socket_mode=socket,
            )
            if socket:
                try:
                    await stack.enter_async_context(socket_mode(app, slack_config))
                except SocketModeRefused as refused:
                    raise CliError(str(refused)) from None
                lines.append("Slack bot connected over Socket Mode.")
            else:
                assert slack_config.signing_secret is not None  # HTTP mode needs it
                secret = slack_config.signing_secret.get_secret_value()
                await _serve(
                    stack, slack_web_app(app, secret), addresses.host, addresses.slack_port
                )
                url = f"http://{addresses.host}:{addresses.slack_port}{EVENTS_PATH}"
                lines.append(f"Slack bot listening on {url}.")
        teams_config = teams_settings() if teams else None
        if teams_config is not None:
            from signoff.adapters.store import Store
            from signoff.bots.teams.bot import SignoffTeamsBot
            from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app

            store = await Store.open(settings.store_url)
            stack.push_async_callback(store.close)
            bot = SignoffTeamsBot(
                client.vouching_as(surface_voucher(settings, "teams")), directory, store
            )
            await _serve(
                stack,
                web_app(make_adapter(teams_config), bot),
                addresses.host,
                addresses.teams_port,
            )
            url = f"http://{addresses.host}:{addresses.teams_port}{MESSAGES_PATH}"
            mode = " (anonymous: local development only)" if teams_config.anonymous else ""
            lines.append(f"Teams bot listening on {url}{mode}.")
        yield lines


def surface_voucher(settings: Settings, surface: str) -> Voucher:
    """The bot's own key, to vouch for the people it authenticated; a bot without one
    would have every click refused, so it does not start."""
    voucher = load_voucher(settings.keys_path, surface)
    if voucher is None:
        raise CliError(
            f"The {surface} bot has no key to vouch for the people who click"
            f" ({settings.keys_path}/surface-{surface}.pem): create it with"
            f" `signoff keys surface {surface}`."
        )
    return voucher


async def _serve(stack: AsyncExitStack, app: web.Application, host: str, port: int) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, host, port).start()
