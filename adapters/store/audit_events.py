"""Appending events to each decision's hash chain, and reading them back.

Appends are idempotent by ``event_id`` (a retried activity writes nothing new), but an id
stored already with other content is a conflict, never skipped: the store must not keep
one version of an event while history holds another. Appends take the decision's write
lock before reading the chain head, so concurrent writers extend one gap-free chain
instead of forking it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from pydantic_core import to_jsonable_python
from sqlalchemy import (
    Connection,
    Row,
    Select,
    bindparam,
    insert,
    literal_column,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.chain import GENESIS, seal
from signoff.adapters.store.sql import lock_decisions, upsert
from signoff.adapters.store.tables import AuditEventRow, AuditHeadRow, DecisionRow
from signoff.adapters.store.types import as_utc
from signoff.core.models import AuditEvent, ChainedEvent

# What a write needs to know before it can chain: which of its events are stored
# already, and the head of each chain it extends. One round trip for both.
_EVENT, _HEAD = "event", "head"
_LOOKUP = union_all(
    select(
        literal_column(f"'{_EVENT}'").label("what"),
        AuditEventRow.event_id.label("id"),
        null().label("seq"),
        null().label("hash"),
    ).where(AuditEventRow.event_id.in_(bindparam("event_ids", expanding=True))),
    select(
        literal_column(f"'{_HEAD}'"),
        AuditHeadRow.decision_id,
        AuditHeadRow.seq,
        AuditHeadRow.hash,
    ).where(AuditHeadRow.decision_id.in_(bindparam("decision_ids", expanding=True))),
)
_INSERT = insert(AuditEventRow.__table__)
_EVENT_COLUMNS = tuple(getattr(AuditEventRow, name) for name in ChainedEvent.model_fields)
_CONTENT = ("decision_id", "kind", "actor", "stage", "at", "data")


class AuditConflict(Exception):
    """An event id is stored already with other content than the write brings."""

    def __init__(self, event_id: str, fields: list[str]) -> None:
        super().__init__(
            f"audit event {event_id} is stored with other {', '.join(fields)} than this write"
            " brings; the store and the workflow's history disagree"
        )
        self.event_id = event_id


def event_rows(events: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    """The rows of ``events`` (first of each ``event_id``) short of their place in the
    chain: everything that does not depend on the head, to prepare before the lock."""
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.event_id not in rows:
            rows[event.event_id] = {
                "event_id": event.event_id,
                "decision_id": event.decision_id,
                "kind": event.kind.value,
                "actor": event.actor,
                "stage": event.stage,
                "at": as_utc(event.at),
                "data": to_jsonable_python(event.data),
            }
    return list(rows.values())


@dataclass(frozen=True)
class Appended:
    fresh: list[dict[str, Any]]
    """The rows newly stored, in the order given."""
    heads: list[dict[str, Any]]
    """Each extended chain's new head: decision_id, seq, event_id, hash."""


def append_events(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> Appended:
    """Chain and insert every row of :func:`event_rows` not stored yet.

    Must run inside the caller's write transaction: the lock, the head read and the
    inserts only mean something together. The heads come from ``audit_heads``, written
    with every append, so a chain whose newest events were deleted behind the store goes
    on from its recorded head and the gap stays visible to
    :func:`signoff.adapters.store.verify.verify_chains`.
    """
    if not rows:
        return Appended([], [])
    decision_ids = {row["decision_id"]: None for row in rows}
    lock_decisions(conn, decision_ids)
    params = {"event_ids": [row["event_id"] for row in rows], "decision_ids": list(decision_ids)}
    stored: set[str] = set()
    heads: dict[str, tuple[int, str]] = {}
    for what, key, seq, sealed in conn.execute(_LOOKUP, params):
        if what == _EVENT:
            stored.add(key)
        else:
            heads[key] = (seq, sealed)
    if stored:
        _check_same(conn, [row for row in rows if row["event_id"] in stored])
    fresh = [row for row in rows if row["event_id"] not in stored]
    if not fresh:
        return Appended([], [])
    sealed_rows = []
    new_heads: dict[str, dict[str, Any]] = {}
    for row in fresh:
        decision_id = row["decision_id"]
        seq, prev = heads.get(decision_id, (0, GENESIS))
        seq += 1
        sealed = seal(prev, seq=seq, **row)
        sealed_rows.append(row | {"seq": seq, "prev_hash": prev, "hash": sealed})
        heads[decision_id] = (seq, sealed)
        new_heads[decision_id] = {
            "decision_id": decision_id,
            "seq": seq,
            "event_id": row["event_id"],
            "hash": sealed,
        }
    conn.execute(_INSERT, sealed_rows)
    head_upsert = upsert(
        conn.dialect.name,
        AuditHeadRow.__table__,
        keys=("decision_id",),
        update=("seq", "event_id", "hash"),
    )
    conn.execute(head_upsert, list(new_heads.values()))
    return Appended(fresh, list(new_heads.values()))


class EventFilters(TypedDict, total=False):
    decision_id: str | None
    actor: str | None
    kinds: Sequence[str] | None
    since: datetime | None
    until: datetime | None
    limit: int | None


def select_events(
    *,
    decision_id: str | None = None,
    actor: str | None = None,
    kinds: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> Select[Any]:
    """Events matching every given filter; ``since`` inclusive, ``until`` exclusive.

    One decision's events come in chain order; a mixed selection in time order. The rows
    are plain column tuples, not ORM objects: auditors' reads only turn them into models,
    and building an ORM object first cost more than the query itself.
    """
    stmt = select(*_EVENT_COLUMNS)
    if decision_id is not None:
        stmt = stmt.where(AuditEventRow.decision_id == decision_id)
    if actor is not None:
        stmt = stmt.where(AuditEventRow.actor == actor)
    if kinds is not None:
        stmt = stmt.where(AuditEventRow.kind.in_([str(k) for k in kinds]))
    if since is not None:
        stmt = stmt.where(AuditEventRow.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEventRow.at < until)
    if decision_id is not None:
        stmt = stmt.order_by(AuditEventRow.seq)
    else:
        stmt = stmt.order_by(AuditEventRow.at, AuditEventRow.decision_id, AuditEventRow.seq)
    return stmt if limit is None else stmt.limit(limit)


def _check_same(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Raise :class:`AuditConflict` unless each stored event says what its row says."""
    wanted = {row["event_id"]: row for row in rows}
    found = conn.execute(
        select(AuditEventRow.event_id, *(getattr(AuditEventRow, f) for f in _CONTENT)).where(
            AuditEventRow.event_id.in_(wanted)
        )
    )
    for stored in found:
        row = wanted[stored.event_id]
        stored_at = as_utc(stored.at)
        differ = [f for f in _CONTENT if (stored_at if f == "at" else getattr(stored, f)) != row[f]]
        if differ:
            raise AuditConflict(stored.event_id, differ)


def chained(row: Row[Any]) -> ChainedEvent:
    """The model of one row of :func:`select_events`."""
    return ChainedEvent.model_validate(row._mapping)


async def query_events(
    session: AsyncSession, **filters: Unpack[EventFilters]
) -> list[ChainedEvent]:
    """The events :func:`select_events` picks, as the models auditors read."""
    rows = await session.execute(select_events(**filters))
    return [chained(row) for row in rows]


async def event_by_id(session: AsyncSession, *, event_id: str) -> ChainedEvent | None:
    """The stored event with this id, or None."""
    row = (
        await session.execute(select(*_EVENT_COLUMNS).where(AuditEventRow.event_id == event_id))
    ).first()
    return None if row is None else chained(row)


async def decision_ids(session: AsyncSession) -> list[str]:
    """Every decision with an audit chain or a decisions row."""
    found = await session.scalars(
        union(select(AuditHeadRow.decision_id), select(DecisionRow.decision_id))
    )
    return sorted(found)
