"""Where the store's write transactions run.

Why it is built this way: ``docs/design-notes.md``, "The store's writers".
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from signoff.adapters.store.engine import WRITE, make_sync_engine

P = ParamSpec("P")
R = TypeVar("R")


class Writer(Protocol):
    async def run(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``fn(connection, *args, **kwargs)`` in a write transaction, committed after."""
        ...

    async def close(self) -> None: ...


class ThreadWriter:
    """Runs each write transaction whole in a worker thread, on a blocking engine.

    Args:
        engine: A blocking engine made by :func:`signoff.adapters.store.engine.make_sync_engine`;
            the writer owns it and disposes of it on :meth:`close`.
        threads: How many transactions may run at once.
    """

    def __init__(self, engine: Engine, *, threads: int = 1) -> None:
        self._engine = engine
        self._writes = engine.execution_options(**WRITE)
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="signoff-store-write")
        self._closed = False

    async def run(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        call = functools.partial(self._transaction, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _transaction(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        with self._writes.begin() as conn:
            return fn(conn, *args, **kwargs)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Close the connections in the thread that used them, then stop the threads.
        await asyncio.get_running_loop().run_in_executor(self._threads, self._engine.dispose)
        await asyncio.to_thread(self._threads.shutdown)


class AsyncWriter:
    """Runs each write transaction on the async engine, via ``run_sync``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._writes = engine.execution_options(**WRITE)

    async def run(
        self, fn: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        async with self._writes.begin() as conn:
            return await conn.run_sync(fn, *args, **kwargs)

    async def close(self) -> None:
        """Nothing of its own: the store disposes of the async engine."""


def make_writer(engine: AsyncEngine) -> Writer:
    """The writer for the database ``engine`` (the store's async engine) points at."""
    if engine.dialect.name == "sqlite":
        return ThreadWriter(make_sync_engine(engine.url), threads=1)
    return AsyncWriter(engine)
