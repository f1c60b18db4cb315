"""``decision_facts``: the narrow projection evaluation reads, and how it is read a
decision at a time.

Written in the transaction that writes the decision's row, with the same version guard,
so the two never disagree. The evaluation counts it in SQL
(:mod:`signoff.adapters.store.evaluation`); what needs decisions one by one (the
ladder's labelled sample, a simulation's drift watch) reads it a page at a time (keyset
on the primary key), each page joined to its decisions' truth by the
:data:`LABEL_READERS`, so memory does not grow with the table.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import (
    DecisionFactsRow,
    GroundTruthRow,
    ReportedOutcomeRow,
)
from signoff.core.learning.facts import facts_of
from signoff.core.learning.labels import Truth, settled
from signoff.core.models import DecisionState, LabelSource

PAGE = 5000
_COLUMNS = tuple(c.name for c in DecisionFactsRow.__table__.columns)
_Whole = namedtuple("_Whole", _COLUMNS)  # type: ignore[misc]
"""Every column as a plain tuple, read by attribute: reading its fields by name costs a
tenth of a ``Row``'s."""

LabelReader = Callable[[AsyncSession, Sequence[str]], Awaitable[dict[str, Truth]]]
"""A source of truth: the labels it holds for a page of decision ids."""


def facts_row(state: DecisionState) -> dict[str, Any]:
    """The ``decision_facts`` row of ``state``, prepared before the write transaction."""
    return facts_of(state).model_dump()


def upsert_facts(conn: Connection, *, row: dict[str, Any]) -> None:
    """Store a :func:`facts_row` unless a newer version of the decision's facts is."""
    stmt = upsert(
        conn.dialect.name,
        DecisionFactsRow.__table__,
        keys=("decision_id",),
        update=tuple(c for c in _COLUMNS if c != "decision_id"),
        unless_newer="version",
    )
    conn.execute(stmt, row)


async def expert_truth(session: AsyncSession, decision_ids: Sequence[str]) -> dict[str, Truth]:
    """Settled expert ground truth (consensus or adjudicated) from ``ground_truth``."""
    rows = await session.execute(
        select(GroundTruthRow.decision_id, GroundTruthRow.label, GroundTruthRow.method).where(
            GroundTruthRow.decision_id.in_(decision_ids)
        )
    )
    return {
        r.decision_id: Truth(
            label=r.label,
            source=LabelSource.ADJUDICATED if r.method == "adjudicated" else LabelSource.EXPERT,
        )
        for r in rows
    }


async def application_truth(session: AsyncSession, decision_ids: Sequence[str]) -> dict[str, Truth]:
    """What the application last reported happened in the world (``reported_outcomes``):
    of several reports, the one that happened latest (then the one recorded latest)."""
    rows = await session.execute(
        select(ReportedOutcomeRow.decision_id, ReportedOutcomeRow.label)
        .where(ReportedOutcomeRow.decision_id.in_(decision_ids))
        .order_by(
            ReportedOutcomeRow.decision_id,
            ReportedOutcomeRow.at,
            ReportedOutcomeRow.recorded_at,
            ReportedOutcomeRow.event_id,
        )
    )
    # The last of each decision wins.
    return {
        r.decision_id: Truth(label=r.label, source=LabelSource.APPLICATION_OUTCOME) for r in rows
    }


LABEL_READERS: list[LabelReader] = [expert_truth, application_truth]
"""Every source of settled truth; :func:`signoff.core.learning.labels.settled` ranks what
they say (an adjudicator, then experts' consensus, then the application's outcome)."""


async def read_facts(
    session: AsyncSession,
    *,
    use_case: str | None = None,
    model_version: str | None = None,
    policy_name: str | None = None,
    confidence: tuple[float, float] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = PAGE,
    readers: Sequence[LabelReader] = (),
) -> AsyncIterator[list[tuple[Any, Truth | None]]]:
    """Pages of decisions' facts matching the filters, each with its settled truth; each
    fact a plain named tuple of the row with every column of :class:`DecisionFacts`,
    read by attribute. ``confidence`` is a range [low, high)."""
    readers = readers or LABEL_READERS
    after = ""
    table = DecisionFactsRow.__table__
    while True:
        stmt = select(*(table.c[name] for name in _Whole._fields)).where(
            table.c.decision_id > after
        )
        if use_case is not None:
            stmt = stmt.where(table.c.use_case == use_case)
        if model_version is not None:
            stmt = stmt.where(table.c.model_version == model_version)
        if policy_name is not None:
            stmt = stmt.where(table.c.policy_name == policy_name)
        if confidence is not None:
            low, high = confidence
            stmt = stmt.where(table.c.confidence >= low, table.c.confidence < high)
        if since is not None:
            stmt = stmt.where(table.c.submitted_at >= since)
        if until is not None:
            stmt = stmt.where(table.c.submitted_at < until)
        rows = (await session.execute(stmt.order_by(table.c.decision_id).limit(page))).all()
        if not rows:
            return
        ids = [r.decision_id for r in rows]
        found = [await reader(session, ids) for reader in readers]
        yield [
            (
                _Whole._make(r),
                settled([f[r.decision_id] for f in found if r.decision_id in f]),
            )
            for r in rows
        ]
        after = ids[-1]
