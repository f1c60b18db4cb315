"""Engines for the store, with SQLite set up to survive several writers.

SQLite gets WAL (readers never block the writer), a busy timeout (a second writer
waits instead of failing), and transactions that SQLAlchemy begins itself: write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the write lock up
front, instead of both reading the chain head and then one failing to upgrade its lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from signoff.adapters.store.urls import async_url, ensure_sqlite_dir, sync_url

BUSY_TIMEOUT_MS = 30_000
WRITE = {"signoff_write": True}
"""Execution options that mark a session's connection as about to write."""


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Leave BEGIN to the "begin" hook below; sqlite3 would otherwise delay it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL is a property of the file: set it once. Switching ignores the busy
        # timeout, so a connection racing another one through the switch lets it win.
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() != "wal":
            with contextlib.suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get("signoff_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_async_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """The engine the store runs on."""
    ensure_sqlite_dir(url)
    target = async_url(url)
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        _setup_sqlite(engine.sync_engine)
    return engine


def make_sync_engine(url: str | URL, **kwargs: Any) -> Engine:
    """A blocking engine, for Alembic migrations and the SQLite writer thread."""
    ensure_sqlite_dir(url)
    target = sync_url(url)
    engine = create_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        _setup_sqlite(engine)
    return engine
