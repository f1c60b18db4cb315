"""A TCP relay in front of a real server that a test can cut and restore: an outage of
the database as the worker sees it (connections dropped, new ones refused) without
stopping the database other tests share."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from types import TracebackType
from typing import Self

HOST = "127.0.0.1"


class TcpProxy:
    """With ``ssl_context`` it terminates TLS and relays the plaintext; with ``tap``, it
    keeps every byte clients sent there."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        ssl_context: ssl.SSLContext | None = None,
        tap: bytearray | None = None,
    ) -> None:
        self._target = (target_host, target_port)
        self._ssl = ssl_context
        self._tap = tap
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    async def __aenter__(self) -> Self:
        await self.restore()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.cut()

    async def restore(self) -> None:
        """Accept connections again, on the same port as before."""
        self._server = await asyncio.start_server(
            self._relay, HOST, self.port, reuse_address=True, ssl=self._ssl
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            _pipe(reader, upstream_writer, self._tap),
            _pipe(upstream_reader, writer),
            return_exceptions=True,
        )
        self._writers -= {writer, upstream_writer}


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tap: bytearray | None = None
) -> None:
    try:
        while data := await reader.read(65536):
            if tap is not None:
                tap.extend(data)
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
