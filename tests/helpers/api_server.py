"""``signoff serve``'s application on a real port in the spec's own loop, and an HTTP
client for it: the specs speak HTTP to it as any application would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from signoff.server.app import create_app
from signoff.server.context import ServerContext
from signoff.server.serving import serving


@asynccontextmanager
async def running_api(ctx: ServerContext) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(create_app(ctx), host="127.0.0.1", port=0) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
    ):
        yield http
