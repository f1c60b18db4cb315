"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no timezone-aware timestamp and no JSONB; these types hide the difference so
rows read back identically whichever database an auditor points the store at.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

JsonDoc = JSON().with_variant(JSONB(), "postgresql")
"""A JSON document; JSONB on PostgreSQL so lists can be searched with ``@>``."""

JsonText = JSON()
"""JSON kept as written (``json``, not ``jsonb``, on PostgreSQL): hashed audit data must
read back in the form it was sealed in, without the key and number rewriting of JSONB."""


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive input is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite stores the wall-clock text and drops the offset, so values are converted to
    UTC before writing (which also keeps range comparisons on the text correct) and
    marked UTC again after reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        aware = as_utc(value)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)
