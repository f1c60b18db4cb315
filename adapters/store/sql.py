"""The few statements that SQLite and PostgreSQL spell differently.

Upserts, "does this JSON list contain X", and per-decision write locks. Everything else
in the store is plain SQLAlchemy that both databases share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select, text, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def dialect_of(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


def upsert(
    dialect: str,
    table: Table,
    values: dict[str, Any],
    *,
    keys: list[str],
    update: Iterable[str] = (),
    unless_newer: str | None = None,
) -> Insert:
    """INSERT, or on a clash of ``keys`` overwrite the ``update`` columns.

    Args:
        unless_newer: A column (a version or timestamp) that must not go backwards: the
            stored row is kept when its value is greater than the incoming one, so a late
            retry of an old write cannot undo a newer one.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(values)
    columns = {name: stmt.excluded[name] for name in update}
    if not columns:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    where = None
    if unless_newer is not None:
        where = table.c[unless_newer] <= stmt.excluded[unless_newer]
    return stmt.on_conflict_do_update(index_elements=keys, set_=columns, where=where)


def json_list_contains(dialect: str, column: Any, value: str) -> ColumnElement[bool]:
    """True where the JSON list in ``column`` has ``value`` as an element."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).contains(type_coerce([value], JSONB))
    each = func.json_each(column).table_valued("value")
    return select(each.c.value).where(each.c.value == value).exists()


async def lock_decisions(session: AsyncSession, decision_ids: Iterable[str]) -> None:
    """Serialise writers of the same decisions until the transaction ends.

    On PostgreSQL this is a transaction-level advisory lock per decision, taken in sorted
    order so two writers of overlapping batches cannot deadlock. SQLite needs nothing
    here: write transactions begin IMMEDIATE and so already hold the database lock.
    """
    if dialect_of(session) != "postgresql":
        return
    for decision_id in sorted(set(decision_ids)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:id))"), {"id": decision_id}
        )
