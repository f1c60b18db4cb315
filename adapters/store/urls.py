"""Turn the URL a person writes into the drivers the store actually uses.

People write ``sqlite:///path/to.db`` or ``postgresql://user@host/db``. The running store
needs async drivers (aiosqlite, psycopg's async mode); Alembic needs sync ones (stdlib
sqlite3, psycopg). Keeping the mapping here lets every other module ignore drivers.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

_POSTGRES = {"postgresql", "postgres"}


def _parse(url: str | URL) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError(
                "the store needs a SQLite file (sqlite:///path/to.db): an in-memory "
                "database would vanish between the migration and the store"
            )
        return parsed
    if backend in _POSTGRES:
        return parsed
    raise ValueError(f"unsupported database URL {parsed!r}: use sqlite:/// or postgresql://")


def is_sqlite(url: str | URL) -> bool:
    return _parse(url).get_backend_name() == "sqlite"


def sync_url(url: str | URL) -> URL:
    """The URL for Alembic: stdlib sqlite3, or psycopg 3 in its blocking mode."""
    parsed = _parse(url)
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)


def async_url(url: str | URL) -> URL:
    """The URL for the running store: aiosqlite, or psycopg 3 in its async mode."""
    parsed = _parse(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    return parsed.set(drivername="sqlite+aiosqlite" if sqlite else "postgresql+psycopg")


def ensure_sqlite_dir(url: str | URL) -> None:
    """Create the folder of a SQLite file, so a fresh ``data_dir`` just works."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
