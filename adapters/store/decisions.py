"""The decisions table: the latest state of each decision, and the auditor's filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Connection, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import dialect_of, json_list_contains, upsert
from signoff.adapters.store.tables import AuditEventRow, DecisionRow
from signoff.core.models import DecisionState, DecisionSummary, Status

_COLUMNS = tuple(c.name for c in DecisionRow.__table__.columns if c.name != "decision_id")


class DecisionFilters(TypedDict, total=False):
    status: str | None
    use_case: str | None
    model_version: str | None
    actor: str | None
    since: datetime | None
    until: datetime | None
    overridden_only: bool
    waiting_on: str | None
    limit: int | None


def decision_row(state: DecisionState) -> dict[str, Any]:
    """The decisions row for ``state``, to prepare before the write transaction.

    The state is serialised once, by pydantic straight to JSON text (written as it is:
    see :func:`signoff.adapters.store.sql.json_text`).
    """
    summary = DecisionSummary.of(state)
    return summary.model_dump() | {
        "status": summary.status.value,
        "updated_at": datetime.now(UTC),
        "version": state.version,
        "state": state.model_dump_json(),
    }


def upsert_decision(conn: Connection, *, row: dict[str, Any]) -> None:
    """Store a :func:`decision_row` unless a newer version of the decision is stored."""
    stmt = upsert(
        conn.dialect.name,
        DecisionRow.__table__,
        keys=("decision_id",),
        update=_COLUMNS,
        unless_newer="version",
        raw_json=("state",),
    )
    conn.execute(stmt, row)


async def get_state(session: AsyncSession, *, decision_id: str) -> DecisionState | None:
    found = (await get_state_documents(session, decision_ids=[decision_id])).get(decision_id)
    return None if found is None else DecisionState.model_validate(found)


async def get_state_documents(
    session: AsyncSession, *, decision_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The stored state of each of ``decision_ids`` the store knows, as JSON: the caller
    validates each, so one it cannot read fails alone, not the whole batch."""
    rows = await session.execute(
        select(DecisionRow.decision_id, DecisionRow.state).where(
            DecisionRow.decision_id.in_(decision_ids)
        )
    )
    return {row.decision_id: row.state for row in rows}


def select_decisions(
    *,
    dialect: str,
    status: str | None = None,
    use_case: str | None = None,
    model_version: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    overridden_only: bool = False,
    waiting_on: str | None = None,
    limit: int | None = None,
) -> Select[tuple[DecisionRow]]:
    """Decisions matching every given filter, newest submission first.

    ``actor`` finds anyone who touched a decision: its requester, a decider, or the actor
    of any of its audit events. ``since``/``until`` bound the submission time (inclusive,
    exclusive). ``waiting_on`` finds pending decisions still waiting for that person.
    """
    stmt = select(DecisionRow)
    if status is not None:
        stmt = stmt.where(DecisionRow.status == str(status))
    if use_case is not None:
        stmt = stmt.where(DecisionRow.use_case == use_case)
    if model_version is not None:
        stmt = stmt.where(DecisionRow.model_version == model_version)
    if actor is not None:
        acted = (
            select(AuditEventRow.id)
            .where(AuditEventRow.decision_id == DecisionRow.decision_id)
            .where(AuditEventRow.actor == actor)
            .exists()
        )
        decided = json_list_contains(dialect, DecisionRow.decided_by, actor)
        stmt = stmt.where(or_(DecisionRow.requester == actor, decided, acted))
    if since is not None:
        stmt = stmt.where(DecisionRow.submitted_at >= since)
    if until is not None:
        stmt = stmt.where(DecisionRow.submitted_at < until)
    if overridden_only:
        stmt = stmt.where(DecisionRow.overridden.is_(True))
    if waiting_on is not None:
        stmt = stmt.where(DecisionRow.status == Status.PENDING.value).where(
            json_list_contains(dialect, DecisionRow.waiting_on, waiting_on)
        )
    stmt = stmt.order_by(DecisionRow.submitted_at.desc(), DecisionRow.decision_id)
    return stmt if limit is None else stmt.limit(limit)


def summary(row: DecisionRow) -> DecisionSummary:
    columns = {name: getattr(row, name) for name in DecisionSummary.model_fields if name in COLUMNS}
    return DecisionSummary.model_validate(columns | {"standing_on": _standing_on(row)})


COLUMNS = frozenset(DecisionRow.__table__.columns.keys())


def _standing_on(row: DecisionRow) -> list[str]:
    """The latest overrider, read from the row's state document (no column holds it)."""
    outcome = row.state.get("outcome") if isinstance(row.state, dict) else None
    overrides = outcome.get("overrides") if isinstance(outcome, dict) else None
    if isinstance(overrides, list) and overrides and isinstance(overrides[-1], dict):
        actor = overrides[-1].get("actor")
        if isinstance(actor, str):
            return [actor]
    return list(row.decided_by)


async def query_decisions(
    session: AsyncSession, **filters: Unpack[DecisionFilters]
) -> list[DecisionSummary]:
    rows = await session.scalars(select_decisions(dialect=dialect_of(session), **filters))
    return [summary(row) for row in rows]


async def pending_by_stage(session: AsyncSession) -> list[tuple[str, str, int]]:
    """How many decisions are pending, by use case and the stage they wait at."""
    rows = await session.execute(
        select(DecisionRow.use_case, DecisionRow.stage_name, func.count())
        .where(DecisionRow.status == Status.PENDING.value)
        .group_by(DecisionRow.use_case, DecisionRow.stage_name)
    )
    return [(use_case, stage or "", count) for use_case, stage, count in rows]
