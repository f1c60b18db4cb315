"""The bots as people reach them, each over HTTP against a real Signoff worker on the
Temporal dev server: the Slack bot with its Web API stand-in, and the Teams bot with a
worker posting through a local Bot Framework connector."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from signoff import SignoffPlugin
from signoff.adapters.store import Store
from signoff.adapters.teams import TeamsConnector, token_source
from signoff.bots.teams.bot import SignoffTeamsBot
from signoff.bots.teams.channel import TeamsChannel
from signoff.bots.teams.server import MESSAGES_PATH, make_adapter, web_app
from signoff.core.settings import Settings
from tests.conftest import Harness
from tests.helpers.bot_connector import BotConnector
from tests.helpers.decisions import DIRECTORY
from tests.helpers.serving import serve
from tests.helpers.slack_api import SlackApi
from tests.helpers.slack_requests import Bot, slack_bot
from tests.helpers.teams_requests import Teams, forget_conversations, teams_settings


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with SlackApi() as server:
        yield server


@pytest.fixture
async def bot(live: Harness, api: SlackApi) -> AsyncIterator[Bot]:
    async with slack_bot(live.vouching_as("slack"), api) as running:
        yield running


@pytest.fixture
async def teams(
    dev_env: WorkflowEnvironment, settings: Settings, store: Store
) -> AsyncIterator[Teams]:
    harness = Harness(dev_env.client, settings)
    await forget_conversations(store)
    async with BotConnector() as connector, aiohttp.ClientSession() as session:
        config = teams_settings(connector)
        channel = TeamsChannel(
            TeamsConnector(token_source(config), backoff=0.01), DIRECTORY, store, config
        )
        plugin = SignoffPlugin(settings=harness.settings, channels={"teams": channel})
        bot = SignoffTeamsBot(harness.vouching_as("teams"), DIRECTORY, store)
        runner, port = await serve(web_app(make_adapter(config), bot))
        async with Worker(dev_env.client, task_queue=harness.task_queue, plugins=[plugin]):
            yield Teams(
                harness, connector, store, f"http://127.0.0.1:{port}{MESSAGES_PATH}", session
            )
        await runner.cleanup()
