"""An embedded deployment for one command: a Temporal dev server on free ports and a
worker in this process, with ``signoff dev``'s local keys under a data directory of its
own, stopped (worker first, then the server) when the command is done.

``signoff simulate --embedded`` runs in one; nothing of the configured deployment (its
server, store or keys) is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from rich.console import Console
from temporalio.client import Client

from signoff.adapters.channels import build_channels
from signoff.app.cli.devserver import HOST, DevServer, temporal_binary, wait_until_ready
from signoff.app.cli.serving import WORKER_STOP_TIMEOUT, local_keys, prepare
from signoff.app.worker import connect, ensure_search_attributes, run_worker
from signoff.core.settings import Settings
from signoff.core.temporal_connection import TemporalConnection


def _free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in sockets]


@contextlib.asynccontextmanager
async def embedded_deployment(settings: Settings, data_dir: Path) -> AsyncIterator[Settings]:
    """Yields the settings that reach the embedded server, worker and store (SQLite
    under ``data_dir``); the policies and directory stay those of ``settings``."""
    port, ui_port = _free_ports(2)
    settings = settings.model_copy(
        update={
            "temporal_address": f"{HOST}:{port}",
            "temporal_connection": TemporalConnection.local(),
            "data_dir": data_dir,
            "database_url": None,
            "keys_dir": None,
            "surfaces_file": None,
            "audit_checkpoint_log": None,
            "webhook_secret": None,
        }
    )
    binary = temporal_binary()
    await prepare(settings, dev=True)
    await local_keys(settings)
    server = await DevServer.start(binary=binary, port=port, ui_port=ui_port, data_dir=data_dir)
    stop = asyncio.Event()

    async def ready_client() -> Client:
        # Cards are drawn into a console nobody reads: hundreds of them would bury the report.
        quiet = build_channels(settings, Console(file=io.StringIO()))
        client = await connect(settings, channels=quiet, dev=True)
        await ensure_search_attributes(client)
        return client

    try:
        client = await wait_until_ready(
            ready_client, address=settings.temporal_address, server=server, stop=stop
        )
        assert client is not None  # `stop` is only set below
        worker = asyncio.create_task(run_worker(settings, client=client, stop=stop))
        try:
            yield settings
        finally:
            stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker, WORKER_STOP_TIMEOUT)
    finally:
        await server.stop()
