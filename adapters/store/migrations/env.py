"""Alembic environment for the store.

:func:`signoff.adapters.store.migrate.upgrade` hands over an open connection in
``config.attributes["connection"]``; the ``alembic`` command line falls back to the
``sqlalchemy.url`` option. Migrations always run online, on a sync driver.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from signoff.adapters.store.engine import make_sync_engine
from signoff.adapters.store.tables import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_sync_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations_online()
