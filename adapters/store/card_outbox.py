"""The card outbox: which decisions' cards must be drawn, and notices still to send.

A job is written in the audit transaction that changed the decision, so no change is
ever lost to a crash between "recorded" and "drawn". A worker leases a job while it
draws (so two workers never draw the same decision at once), and a failed draw (a chat
API down) waits, backing off, until its next attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import CardJobRow, CardNoticeRow
from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.models import DecisionState

__all__ = [
    "DueCards",
    "any_due",
    "backlog",
    "claim",
    "enqueue",
    "failed",
    "finished",
    "pending_notices",
    "traces",
]


@dataclass(frozen=True)
class DueCards:
    """What drawing one decision's cards needs: its stored state (None: the store has
    none), the notices queued beside it (row id, JSON), and the cards already posted.

    State and notices stay JSON until :meth:`read`, so a row this code cannot read (one
    written by a newer worker, say) fails that decision's draw alone, not its batch."""

    state_document: dict[str, Any] | None
    notice_documents: list[tuple[int, dict[str, Any]]]
    posted: list[CardRef]
    trace: dict[str, str] | None = None
    """The trace context of the write that asked for these cards (W3C headers)."""

    @property
    def notice_ids(self) -> list[int]:
        return [row_id for row_id, _ in self.notice_documents]

    def read(self) -> tuple[DecisionState | None, list[Notice]]:
        """Raises:
        pydantic.ValidationError: a stored state or notice this code cannot read."""
        doc = self.state_document
        state = None if doc is None else DecisionState.model_validate(doc)
        return state, [Notice.model_validate(n) for _, n in self.notice_documents]


def enqueue(
    conn: Connection,
    *,
    decision_id: str,
    task_queue: str,
    version: int,
    notices: Sequence[tuple[str, Notice]],
    now: datetime,
    trace: dict[str, str] | None = None,
) -> None:
    """Ask for the decision's cards at ``version`` (never lowering what was asked) and
    queue ``notices`` (id, notice); an id already queued or sent is skipped."""
    job = {
        "decision_id": decision_id,
        "task_queue": task_queue,
        "wanted_version": version,
        "drawn_version": -1,
        "lease_until": None,
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": None,
        "updated_at": now,
        "trace": trace,
    }
    stmt = upsert(
        conn.dialect.name,
        CardJobRow.__table__,
        keys=("decision_id",),
        update=("wanted_version", "updated_at", "trace"),
        unless_newer="wanted_version",
    )
    conn.execute(stmt, job)
    if notices:
        rows = [
            {
                "notice_id": notice_id,
                "decision_id": decision_id,
                "notice": notice.model_dump(mode="json"),
                "created_at": now,
            }
            for notice_id, notice in notices
        ]
        insert = upsert(conn.dialect.name, CardNoticeRow.__table__, keys=("notice_id",))
        conn.execute(insert, rows)


def _owed() -> Any:
    has_notices = exists().where(CardNoticeRow.decision_id == CardJobRow.decision_id)
    return or_(CardJobRow.wanted_version > CardJobRow.drawn_version, has_notices)


def _due(now: datetime) -> Any:
    return (
        _owed(),
        or_(CardJobRow.lease_until.is_(None), CardJobRow.lease_until < now),
        or_(CardJobRow.next_attempt_at.is_(None), CardJobRow.next_attempt_at <= now),
    )


async def any_due(session: AsyncSession, *, task_queue: str, now: datetime) -> bool:
    """Whether ``task_queue`` has a job to claim: a read, so an idle worker looking now
    and then takes no write lock."""
    due = select(CardJobRow.decision_id).where(CardJobRow.task_queue == task_queue, *_due(now))
    return (await session.scalar(due.limit(1))) is not None


async def backlog(session: AsyncSession, *, task_queue: str) -> int:
    """How many of ``task_queue``'s decisions are owed a draw: due now, being drawn, or
    waiting out a failed draw's backoff."""
    owed = select(func.count()).select_from(CardJobRow)
    return await session.scalar(owed.where(CardJobRow.task_queue == task_queue, _owed())) or 0


def claim(
    conn: Connection, *, task_queue: str, limit: int, lease: timedelta, now: datetime
) -> list[str]:
    """Lease up to ``limit`` due jobs of ``task_queue``; returns their decision ids. A
    job another worker leased a moment ago is not taken: the lease is set only where the
    job is still due, so neither one leased since the read (PostgreSQL re-checks the
    row it waited for) nor one another worker drew and released in between (the
    statement reads afresh) is drawn twice. One statement leases the whole batch
    (SQLite 3.35+ and PostgreSQL return the rows they changed)."""
    ids = conn.scalars(
        select(CardJobRow.decision_id)
        .where(CardJobRow.task_queue == task_queue, *_due(now))
        .order_by(CardJobRow.updated_at)
        .limit(limit)
    ).all()
    if not ids:
        return []
    taken = set(
        conn.scalars(
            update(CardJobRow)
            .where(CardJobRow.decision_id.in_(ids), *_due(now))
            .values(lease_until=now + lease)
            .returning(CardJobRow.decision_id)
        )
    )
    return [decision_id for decision_id in ids if decision_id in taken]


async def traces(
    session: AsyncSession, *, decision_ids: Sequence[str]
) -> dict[str, dict[str, str]]:
    """The trace context each job was last asked for in (none: no entry)."""
    rows = await session.execute(
        select(CardJobRow.decision_id, CardJobRow.trace).where(
            CardJobRow.decision_id.in_(decision_ids), CardJobRow.trace.is_not(None)
        )
    )
    return {row.decision_id: row.trace for row in rows}


async def pending_notices(
    session: AsyncSession, *, decision_ids: Sequence[str]
) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Each decision's unsent notices as (row id, JSON), oldest first (none: no entry)."""
    rows = await session.execute(
        select(CardNoticeRow.decision_id, CardNoticeRow.id, CardNoticeRow.notice)
        .where(CardNoticeRow.decision_id.in_(decision_ids))
        .order_by(CardNoticeRow.id)
    )
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row in rows:
        found.setdefault(row.decision_id, []).append((row.id, row.notice))
    return found


def finished(
    conn: Connection, *, drawn: Sequence[tuple[str, int, Sequence[int]]], now: datetime
) -> None:
    """Each (decision, version, notice ids): its cards show ``version`` and those notices
    are sent, so the job is released. One transaction, and one statement executed for
    every job, for a whole batch."""
    if not drawn:
        return
    larger = func.max if conn.dialect.name == "sqlite" else func.greatest
    conn.execute(
        update(CardJobRow)
        .where(CardJobRow.decision_id == bindparam("job"))
        .values(
            drawn_version=larger(CardJobRow.drawn_version, bindparam("version")),
            lease_until=None,
            attempts=0,
            next_attempt_at=None,
            last_error=None,
            updated_at=now,
        ),
        [{"job": decision_id, "version": version} for decision_id, version, _ in drawn],
    )
    sent = [notice_id for _, _, notice_ids in drawn for notice_id in notice_ids]
    if sent:
        conn.execute(delete(CardNoticeRow).where(CardNoticeRow.id.in_(sent)))


def failed(
    conn: Connection, *, decision_id: str, error: str, retry_in: timedelta, now: datetime
) -> None:
    """The draw failed: release the job and try again after ``retry_in``."""
    conn.execute(
        update(CardJobRow)
        .where(CardJobRow.decision_id == decision_id)
        .values(
            lease_until=None,
            attempts=CardJobRow.attempts + 1,
            next_attempt_at=now + retry_in,
            last_error=error[:2000],
            updated_at=now,
        )
    )
