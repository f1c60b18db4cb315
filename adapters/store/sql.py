"""The few statements that SQLite and PostgreSQL spell differently.

Upserts, "does this JSON list contain X", already-serialised JSON, and per-decision
write locks. Everything else in the store is plain SQLAlchemy that both databases share.

The write statements are built once per dialect and executed with parameters, so a
write pays neither for building them nor for SQLAlchemy's compile cache key walk.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BindParameter,
    Cast,
    ColumnElement,
    Connection,
    Table,
    Text,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def dialect_of(session: AsyncSession) -> str:
    bind = session.get_bind()
    return bind.dialect.name


@functools.cache
def upsert(
    dialect: str,
    table: Table,
    *,
    keys: tuple[str, ...],
    update: tuple[str, ...] = (),
    unless_newer: str | None = None,
    raw_json: tuple[str, ...] = (),
) -> Insert:
    """INSERT, or on a clash of ``keys`` overwrite the ``update`` columns.

    Built once per set of arguments; execute it with the row (or rows) as parameters.

    Args:
        unless_newer: A column (a version or timestamp) that must not go backwards: the
            stored row is kept when its value is greater than the incoming one, so a late
            retry of an old write cannot undo a newer one.
        raw_json: JSON columns whose parameter is already serialised JSON text (see
            :func:`json_text`), under the same name as the column.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    if raw_json:
        stmt = stmt.values({name: json_text(dialect, table, name) for name in raw_json})
    columns = {name: stmt.excluded[name] for name in update}
    if not columns:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    where = None
    if unless_newer is not None:
        where = table.c[unless_newer] <= stmt.excluded[unless_newer]
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=columns, where=where)


def json_text(dialect: str, table: Table, name: str) -> BindParameter[str] | Cast[Any]:
    """A parameter for JSON column ``name`` that takes serialised JSON text as it is.

    Saves serialising a large document twice (to Python values, then to text): pydantic
    renders the text directly. SQLite keeps JSON as text anyway; PostgreSQL casts it.
    """
    text = bindparam(name, type_=Text)
    return cast(text, table.c[name].type) if dialect == "postgresql" else text


def json_list_contains(dialect: str, column: Any, value: str) -> ColumnElement[bool]:
    """True where the JSON list in ``column`` has ``value`` as an element."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).contains(type_coerce([value], JSONB))
    each = func.json_each(column).table_valued("value")
    return select(each.c.value).where(each.c.value == value).exists()


_LOCK = select(
    func.pg_advisory_xact_lock(func.hashtext(func.unnest(bindparam("ids", type_=ARRAY(Text)))))
)


def lock_decisions(conn: Connection, decision_ids: Iterable[str]) -> None:
    """Serialise writers of the same decisions until the transaction ends.

    On PostgreSQL this is a transaction-level advisory lock per decision, taken in sorted
    order (one statement for all of them) so two writers of overlapping batches cannot
    deadlock. SQLite needs nothing here: write transactions begin IMMEDIATE and so
    already hold the database lock.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.execute(_LOCK, {"ids": sorted(set(decision_ids))})
