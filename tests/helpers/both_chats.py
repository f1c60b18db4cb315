"""Slack and Teams at once: both bots served over HTTP, both chat stand-ins, and the
plugin whose decisions post to both — for specs where people click in either chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from signoff import SignoffPlugin
from signoff.adapters.slack import make_client
from signoff.adapters.store import Store
from signoff.adapters.teams import TeamsConnector, token_source
from signoff.bots.slack import SlackChannel
from signoff.bots.slack.app import build_app
from signoff.bots.slack.server import EVENTS_PATH
from signoff.bots.slack.server import web_app as slack_web_app
from signoff.bots.teams.bot import SignoffTeamsBot
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app
from tests.conftest import Harness
from tests.helpers.bot_connector import BotConnector
from tests.helpers.decisions import DIRECTORY
from tests.helpers.serving import serve
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import SECRET, Bot, slack_settings
from tests.helpers.teams_requests import Teams, teams_settings


@dataclass
class BothChats:
    api: SlackApi
    connector: BotConnector
    slack_bot: Bot
    teams: Teams
    plugin: SignoffPlugin
    """Run a worker with it: its decisions post to both chats."""


@asynccontextmanager
async def both_chats(harness: Harness, store: Store) -> AsyncIterator[BothChats]:
    async with (
        SlackApi() as api,
        BotConnector() as connector,
        aiohttp.ClientSession() as session,
    ):
        slack = slack_settings(api)
        config = teams_settings(connector)
        channels = {
            "slack": SlackChannel(make_client(slack), DIRECTORY),
            "teams": TeamsChannel(TeamsConnector(token_source(config)), DIRECTORY, store, config),
        }
        plugin = SignoffPlugin(settings=harness.settings, channels=channels)
        slack_runner, slack_port = await serve(
            slack_web_app(
                build_app(client=harness.vouching_as("slack"), directory=DIRECTORY, settings=slack),
                SECRET,
            )
        )
        teams_bot = SignoffTeamsBot(harness.vouching_as("teams"), DIRECTORY, store)
        teams_runner, teams_port = await serve(web_app(make_adapter(config), teams_bot))
        teams = Teams(
            harness, connector, store, f"http://127.0.0.1:{teams_port}{MESSAGES_PATH}", session
        )
        slack_bot = Bot(f"http://127.0.0.1:{slack_port}{EVENTS_PATH}", api, session)
        try:
            yield BothChats(api, connector, slack_bot, teams, plugin)
        finally:
            await slack_runner.cleanup()
            await teams_runner.cleanup()
