"""Running the application inside a process that has other work: ``signoff dev`` beside
its worker and bots, and the specs in their own loop.

uvicorn's ``Server.serve`` takes over SIGINT and SIGTERM; in a process that already
stops in order on those (worker first, then Temporal), it must not, so the embedded
server leaves signals alone and is stopped by its owner.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager, contextmanager, suppress

import uvicorn
from fastapi import FastAPI

START_TIMEOUT_S = 10.0


class EmbeddedServer(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@asynccontextmanager
async def serving(app: FastAPI, *, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` until the block ends; yields the port it listens on (``port=0``
    takes a free one)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            while not server.started:
                if task.done():
                    # uvicorn logs why and exits when it cannot bind.
                    with suppress(SystemExit):
                        task.result()
                    raise OSError(
                        errno.EADDRINUSE,
                        f"The HTTP API cannot listen on {host}:{port}: is another program"
                        " using that port?",
                    )
                await asyncio.sleep(0.01)
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
