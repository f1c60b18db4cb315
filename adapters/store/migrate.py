"""Run the store's Alembic migrations from code, with no ``alembic.ini`` to ship.

Migrations run on a blocking driver (stdlib sqlite3, or psycopg), so the async store
calls :func:`upgrade` in a worker thread.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import URL

from signoff.adapters.store.engine import WRITE, make_sync_engine

MIGRATIONS = Path(__file__).parent / "migrations"
_ALEMBIC = threading.Lock()
"""Alembic's commands install their context as module-level proxies (``alembic.op``,
``alembic.context``) and remove them after: two upgrades at once in one process (a
worker's and the API's in ``signoff dev``, say, each in its own thread) pull each
other's out from under them (``KeyError: 'script'``). One at a time, then."""


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic config pointing at the migrations inside this package.

    Args:
        url: Only needed when Alembic should open its own connection (the command line).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser treats % as interpolation: escape URL-encoded characters.
        rendered = url if isinstance(url, str) else url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default).

    Several workers may start at once; each takes the database's write lock first, so
    the others find the tables already there instead of racing to create them.
    """
    engine = make_sync_engine(url)
    try:
        with _ALEMBIC, engine.execution_options(**WRITE).begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext('signoff.migrate'))")
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
