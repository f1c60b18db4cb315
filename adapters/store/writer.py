"""Where the store's write transactions run.

Every write is one plain function of a blocking :class:`~sqlalchemy.Connection` (the SQL
lives in the data modules, once). A writer runs such a function inside a write
transaction, and is chosen per database:

- :class:`ThreadWriter` runs the whole transaction in one hop to a worker thread, on a
  blocking engine (stdlib sqlite3). SQLite has one write lock per file: with aiosqlite
  every statement was a round trip through the event loop while the lock was held, so a
  busy loop stretched every write transaction and capped all writers of the file. In a
  thread the lock is held only for the SQL itself. One thread per store: SQLite writes
  one transaction at a time anyway, and queueing here, rather than in SQLite's busy
  handler (which sleeps and polls), hands the lock on at once.
- :class:`AsyncWriter` runs the same function on the async engine through SQLAlchemy's
  greenlet bridge (psycopg's async mode on PostgreSQL). Writers of different decisions
  proceed in parallel, and one waiting for a busy decision's advisory lock holds no
  thread that writers of other decisions need. (A :class:`ThreadWriter` with a few
  threads measured about as fast there, a little cheaper in CPU, but has that problem.)
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
