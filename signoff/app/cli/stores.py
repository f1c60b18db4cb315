"""Opening the audit store for reading without creating one by mistake.

SQLAlchemy and Alembic are imported inside the functions: they take a noticeable part
of a second to load, and most commands never touch the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from signoff.app.cli.failures import CliError
from signoff.core.settings import Settings

if TYPE_CHECKING:
    from signoff.adapters.notary import Notary
    from signoff.adapters.store import Store


def shown_url(url: str) -> str:
    """The store's URL with any password hidden, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def missing_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file ``settings`` name, when it does not exist."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.store_url)
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database).expanduser()
        if not path.exists():
            return path
    return None


async def open_store(settings: Settings, *, notary: Notary | None = None) -> Store:
    """Open ``settings.store_url``. A SQLite file that does not exist is an error rather
    than a fresh empty store: an auditor who mistypes the path must not be told that
    nothing happened."""
    from signoff.adapters.store import Store

    path = missing_sqlite_file(settings)
    if path is not None:
        raise CliError(
            f"No audit store at {path} — set SIGNOFF_DATA_DIR or SIGNOFF_DATABASE_URL"
            " (or --database-url) to the store your worker writes."
        )
    return await Store.open(settings.store_url, notary=notary)
