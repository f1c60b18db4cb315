"""Routing versions of policies: ``policy_routing``.

A version is a row inserted with the next number; two writers racing for one number
collide on the primary key, and the loser, retried by the store, finds the version it
expected gone and reports the change stale instead of writing over the winner's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.tables import PolicyRoutingRow
from signoff.core.models.routing import RoutingChange, RoutingOrigin, RoutingVersion

__all__ = ["add_version", "current", "history"]


def _version(row: Row[tuple[PolicyRoutingRow]] | PolicyRoutingRow) -> RoutingVersion:
    return RoutingVersion(
        policy=row.policy,
        version=row.version,
        change=RoutingChange(autonomy=row.autonomy, min_confidence=row.min_confidence),
        origin=RoutingOrigin(row.origin),
        reason=row.reason,
        decided_by=row.decided_by,
        at=row.at,
    )


async def current(session: AsyncSession, policy: str) -> RoutingVersion | None:
    """The version in force, or None while the policy file alone routes."""
    row = await session.scalar(
        select(PolicyRoutingRow)
        .where(PolicyRoutingRow.policy == policy)
        .order_by(PolicyRoutingRow.version.desc())
        .limit(1)
    )
    return None if row is None else _version(row)


async def history(session: AsyncSession, policy: str | None = None) -> list[RoutingVersion]:
    """Every version (of ``policy``, or of all), oldest first."""
    query = select(PolicyRoutingRow).order_by(PolicyRoutingRow.policy, PolicyRoutingRow.version)
    if policy is not None:
        query = query.where(PolicyRoutingRow.policy == policy)
    return [_version(row) for row in await session.scalars(query)]


def add_version(
    conn: Connection,
    *,
    policy: str,
    change: RoutingChange,
    origin: RoutingOrigin,
    reason: str,
    decided_by: str | None,
    expected: int,
    now: datetime,
) -> RoutingVersion | None:
    """Put ``change`` in force as the version after ``expected`` (0: the policy file's
    own routing); None when the policy has moved past ``expected`` meanwhile. The
    change must set both fields."""
    if change.autonomy is None or change.min_confidence is None:
        raise ValueError("a routing version sets both the autonomy and the threshold")
    found = conn.scalar(
        select(func.max(PolicyRoutingRow.version)).where(PolicyRoutingRow.policy == policy)
    )
    if (found or 0) != expected:
        return None
    version = RoutingVersion(
        policy=policy,
        version=expected + 1,
        change=change,
        origin=origin,
        reason=reason,
        decided_by=decided_by,
        at=now,
    )
    conn.execute(
        insert(PolicyRoutingRow),
        {
            "policy": policy,
            "version": version.version,
            "autonomy": change.autonomy.value,
            "min_confidence": change.min_confidence,
            "origin": origin.value,
            "reason": reason,
            "decided_by": decided_by,
            "at": now,
        },
    )
    return version
