"""Drift monitor runs: ``monitor_runs``, one row per use case and run time.

The first run written for a use case and time is the one kept (an insert that finds
the row leaves it), so two attempts of one scheduled run agree on what they read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import MonitorRunRow
from signoff.core.models.drift_monitor import MonitorRun

__all__ = ["add_first", "before", "listed"]

_TABLE = MonitorRunRow.__table__


def add_first(conn: Connection, *, run: MonitorRun) -> MonitorRun:
    """Store ``run`` unless a run of its use case and time is stored; returns the kept one."""
    stmt = upsert(conn.dialect.name, _TABLE, keys=("use_case", "as_of"))
    conn.execute(
        stmt,
        {
            "use_case": run.use_case,
            "as_of": run.as_of,
            "alarmed": bool(run.alarms),
            "run": run.model_dump(mode="json"),
        },
    )
    kept = conn.scalar(
        select(_TABLE.c.run).where(_TABLE.c.use_case == run.use_case, _TABLE.c.as_of == run.as_of)
    )
    return MonitorRun.model_validate(kept)


async def before(session: AsyncSession, *, use_case: str, as_of: datetime) -> MonitorRun | None:
    """The latest run of ``use_case`` before ``as_of`` (whose CUSUM the run carries on)."""
    found = await session.scalar(
        select(_TABLE.c.run)
        .where(_TABLE.c.use_case == use_case, _TABLE.c.as_of < as_of)
        .order_by(_TABLE.c.as_of.desc())
        .limit(1)
    )
    return None if found is None else MonitorRun.model_validate(found)


async def listed(
    session: AsyncSession, *, use_case: str | None, alarms_only: bool, limit: int
) -> list[MonitorRun]:
    """Runs newest first (of ``use_case``, or of every one), only alarmed ones if asked."""
    stmt = select(_TABLE.c.run).order_by(_TABLE.c.as_of.desc(), _TABLE.c.use_case).limit(limit)
    if use_case is not None:
        stmt = stmt.where(_TABLE.c.use_case == use_case)
    if alarms_only:
        stmt = stmt.where(_TABLE.c.alarmed.is_(True))
    return [MonitorRun.model_validate(r) for r in (await session.scalars(stmt))]
