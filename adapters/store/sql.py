"""The few statements that SQLite and PostgreSQL spell differently.

Upserts, "does this JSON list contain X", already-serialised JSON, per-decision write
locks, and what evaluation counts with: a timestamp as exact microseconds, a JSON
object's pairs and a JSON list's items as rows. Everything else in the store is plain
SQLAlchemy that both databases share.

The write statements are built once per dialect and executed with parameters, so a
write pays neither for building them nor for SQLAlchemy's compile cache key walk.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Cast,
    ColumnElement,
    Connection,
    Float,
    Table,
    Text,
    bindparam,
    case,
    cast,
    extract,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.functions import Function

from signoff.adapters.store.types import as_utc


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


def epoch_microseconds(dialect: str, column: Any) -> ColumnElement[int]:
    """Microseconds since 1970 of a :class:`UtcDateTime` column, exactly (an integer,
    so durations and window boundaries never suffer a float's rounding).

    PostgreSQL's ``EXTRACT(EPOCH ...)`` is an exact numeric. SQLite holds the UTC text
    ``YYYY-MM-DD HH:MM:SS[.ffffff]``: whole seconds from ``strftime('%s')`` of the text
    up to the seconds, and the fraction read from the text, padded to six digits.
    """
    if dialect == "postgresql":
        return cast(extract("epoch", column) * 1_000_000, BigInteger)
    text = type_coerce(column, Text)
    # The whole seconds from the text without its fraction: SQLite keeps times in
    # milliseconds and would round .999999 up into the next second.
    seconds = cast(func.strftime("%s", func.substr(text, 1, 19)), BigInteger) * 1_000_000
    fraction = case(
        (func.length(text) > 20, cast(func.substr(text + "000000", 21, 6), BigInteger)),
        else_=0,
    )
    return seconds + fraction


def window_of(dialect: str, column: Any, origin: datetime, width: timedelta) -> ColumnElement[Any]:
    """Which ``width``-long window from ``origin`` a timestamp falls in: on PostgreSQL
    the window's start (``date_bin``, computed on the timestamp's integer microseconds),
    on SQLite its index; :func:`window_index` reads either."""
    if dialect == "postgresql":
        return func.date_bin(width, column, origin)
    since = epoch_microseconds(dialect, column) - _microseconds(origin - _EPOCH)
    size = _microseconds(width)
    # Floor division, right for times before the origin too.
    return (since - ((since % size) + size) % size) // size


def window_index(value: int | datetime, origin: datetime, width: timedelta) -> int:
    """The index of a :func:`window_of` value, counted from ``origin``."""
    if isinstance(value, datetime):
        return (as_utc(value) - origin) // width
    return int(value)


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """Seconds from ``earlier`` to ``later`` as a float, computed from whole
    microseconds, so it equals Python's ``timedelta.total_seconds()``."""
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier), Float(53))
    difference = epoch_microseconds(dialect, later) - epoch_microseconds(dialect, earlier)
    return cast(difference, Float(53)) / 1e6


def _microseconds(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def json_object_pairs(dialect: str, column: Any) -> Any:
    """A JSON object's pairs as rows of ``key`` and ``value`` (text), to join to the
    rows they belong to."""
    each = "jsonb_each_text" if dialect == "postgresql" else "json_each"
    function: Function[Any] = getattr(func, each)(column)
    return function.table_valued("key", "value")


def json_array_items(dialect: str, column: Any) -> Any:
    """A JSON list's items as rows of ``value``, each read with :func:`json_item`."""
    each = "jsonb_array_elements" if dialect == "postgresql" else "json_each"
    function: Function[Any] = getattr(func, each)(column)
    return function.table_valued("value")


def json_item(dialect: str, value: Any, index: int) -> ColumnElement[Any]:
    """Item ``index`` of a JSON list, as text, or as a number where it is one on SQLite."""
    if dialect == "postgresql":
        return type_coerce(value, JSONB).op("->>")(index)
    return func.json_extract(value, f"$[{index}]")


def json_parameter(dialect: str, name: str) -> ColumnElement[Any]:
    """A parameter carrying a JSON document as text, to expand in the query."""
    text = bindparam(name, type_=Text)
    return cast(text, JSONB) if dialect == "postgresql" else text
