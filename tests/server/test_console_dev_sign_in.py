"""`signoff dev` without a sign-in provider: the console lets you pick a directory
person, says so plainly, and nothing else offers it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from signoff.adapters.store import Store
from signoff.core.catalog import load_directory
from signoff.server.context import ServerContext
from tests.conftest import Harness
from tests.helpers.api_server import running_api
from tests.server.conftest import CONSOLE_SECRET


@pytest.fixture
async def dev_console(live: Harness, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    settings = live.settings.model_copy(update={"console_secret": SecretStr(CONSOLE_SECRET)})
    ctx = ServerContext(
        settings=settings,
        client=live.vouching_as("web"),
        store=store,
        directory=load_directory(settings.directory_file),
        dev=True,
    )
    async with running_api(ctx) as http:
        http.follow_redirects = True
        yield http


async def test_dev_signs_in_whoever_is_picked_from_the_directory(
    dev_console: httpx.AsyncClient,
) -> None:
    offered = await dev_console.get("/console/login")
    assert "Development only." in offered.text
    assert 'value="dave"' in offered.text  # everyone in the directory
    landed = await dev_console.post("/console/dev-login", data={"person": "dave"})
    assert landed.url.path == "/console/"
    assert "Signed in as <strong>Dave</strong>" in landed.text


async def test_nobody_outside_the_directory_is_signed_in(dev_console: httpx.AsyncClient) -> None:
    refused = await dev_console.post("/console/dev-login", data={"person": "mallory"})
    assert refused.status_code == 422
    assert "signoff_console" not in dev_console.cookies
