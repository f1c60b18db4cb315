"""Appending events to each decision's hash chain, and reading them back.

Appends are idempotent by ``event_id`` (a retried activity writes nothing new) and take
the decision's write lock before reading the chain head, so concurrent writers extend
one gap-free chain instead of forking it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict, Unpack

from pydantic_core import to_jsonable_python
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.chain import GENESIS, chain_hash
from adapters.store.sql import dialect_of, lock_decisions, upsert
from adapters.store.tables import AuditEventRow, AuditHeadRow
from adapters.store.types import as_utc
from signoff.models import AuditEvent, ChainedEvent


async def _head(session: AsyncSession, decision_id: str) -> tuple[int, str]:
    """The last stored (seq, hash) of a decision's chain; (0, GENESIS) when empty."""
    stmt = (
        select(AuditEventRow.seq, AuditEventRow.hash)
        .where(AuditEventRow.decision_id == decision_id)
        .order_by(AuditEventRow.seq.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


async def append_events(session: AsyncSession, *, events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Chain and add every event not stored yet; return those, in the order given.

    Must run inside the caller's write transaction: the lock, the head read and the
    inserts only mean something together.
    """
    first: dict[str, AuditEvent] = {}
    for event in events:
        first.setdefault(event.event_id, event)
    if not first:
        return []
    await lock_decisions(session, (e.decision_id for e in first.values()))
    stored = set(
        await session.scalars(
            select(AuditEventRow.event_id).where(AuditEventRow.event_id.in_(list(first)))
        )
    )
    fresh = [e for event_id, e in first.items() if event_id not in stored]
    heads: dict[str, tuple[int, str, str]] = {}
    for event in fresh:
        if event.decision_id not in heads:
            heads[event.decision_id] = (*await _head(session, event.decision_id), "")
        seq, prev, _ = heads[event.decision_id]
        seq += 1
        sealed = chain_hash(prev, event, seq)
        session.add(
            AuditEventRow(
                event_id=event.event_id,
                decision_id=event.decision_id,
                seq=seq,
                kind=event.kind.value,
                actor=event.actor,
                stage=event.stage,
                at=as_utc(event.at),
                data=to_jsonable_python(event.data),
                prev_hash=prev,
                hash=sealed,
            )
        )
        heads[event.decision_id] = (seq, sealed, event.event_id)
    await session.flush()
    dialect = dialect_of(session)
    for decision_id, (seq, sealed, event_id) in heads.items():
        values = {"decision_id": decision_id, "seq": seq, "event_id": event_id, "hash": sealed}
        await session.execute(
            upsert(
                dialect,
                AuditHeadRow.__table__,
                values,
                keys=["decision_id"],
                update=["seq", "event_id", "hash"],
            )
        )
    return fresh


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
) -> Select[tuple[AuditEventRow]]:
    """Events matching every given filter; ``since`` inclusive, ``until`` exclusive.

    One decision's events come in chain order; a mixed selection in time order.
    """
    stmt = select(AuditEventRow)
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


def chained(row: AuditEventRow) -> ChainedEvent:
    return ChainedEvent(
        event_id=row.event_id,
        decision_id=row.decision_id,
        kind=row.kind,
        at=row.at,
        actor=row.actor,
        stage=row.stage,
        data=row.data,
        seq=row.seq,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


async def query_events(
    session: AsyncSession, **filters: Unpack[EventFilters]
) -> list[ChainedEvent]:
    """The events :func:`select_events` picks, as the models auditors read."""
    rows = await session.scalars(select_events(**filters))
    return [chained(row) for row in rows]
