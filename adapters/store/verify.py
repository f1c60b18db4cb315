"""Recompute every hash chain and report, per decision, where it first breaks.

A chain breaks where a row's content no longer matches its hash (altered), where its
``prev_hash`` is not the previous row's hash or its ``seq`` skips (deleted or reordered
rows), or where it ends before the head recorded with the last append (the newest
events were deleted).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.chain import GENESIS, seal
from signoff.adapters.store.tables import AuditEventRow, AuditHeadRow
from signoff.core.models import ChainBreak, VerifyReport


def _row_problem(row: AuditEventRow, seq: int, prev_hash: str) -> str | None:
    if row.seq != seq:
        return f"expected seq {seq} but found {row.seq}: events are missing or reordered"
    if row.prev_hash != prev_hash:
        return "prev_hash is not the previous event's hash: the chain was cut or reordered"
    recomputed = seal(
        row.prev_hash,
        event_id=row.event_id,
        decision_id=row.decision_id,
        seq=row.seq,
        kind=row.kind,
        at=row.at,
        actor=row.actor,
        stage=row.stage,
        data=row.data,
    )
    if recomputed != row.hash:
        return "content does not match its hash: the event was altered"
    return None


def check_chain(
    decision_id: str, rows: Sequence[AuditEventRow], head: AuditHeadRow | None
) -> ChainBreak | None:
    """The first break in one decision's chain, or None when it is intact."""
    prev_hash = GENESIS
    for seq, row in enumerate(rows, start=1):
        problem = _row_problem(row, seq, prev_hash)
        if problem:
            return ChainBreak(
                decision_id=decision_id, seq=row.seq, event_id=row.event_id, problem=problem
            )
        prev_hash = row.hash
    last = len(rows)
    if head is None:
        if not rows:
            return None
        return ChainBreak(
            decision_id=decision_id,
            seq=rows[-1].seq,
            event_id=rows[-1].event_id,
            problem="no chain head was recorded: the events were not written by the store",
        )
    if head.seq > last:
        return ChainBreak(
            decision_id=decision_id,
            seq=last + 1,
            event_id=head.event_id if head.seq == last + 1 else "",
            problem=f"events {last + 1} to {head.seq} are missing: the chain was truncated",
        )
    if head.seq < last:
        extra = rows[head.seq]
        return ChainBreak(
            decision_id=decision_id,
            seq=extra.seq,
            event_id=extra.event_id,
            problem="event is past the recorded chain head: it was added behind the store",
        )
    if head.hash != prev_hash:
        return ChainBreak(
            decision_id=decision_id,
            seq=rows[-1].seq,
            event_id=rows[-1].event_id,
            problem="last event's hash differs from the recorded chain head",
        )
    return None


async def verify_chains(session: AsyncSession, *, decision_id: str | None = None) -> VerifyReport:
    """Check one decision's chain, or every chain in the store."""
    heads_stmt = select(AuditHeadRow)
    rows_stmt = select(AuditEventRow).order_by(AuditEventRow.decision_id, AuditEventRow.seq)
    if decision_id is not None:
        heads_stmt = heads_stmt.where(AuditHeadRow.decision_id == decision_id)
        rows_stmt = rows_stmt.where(AuditEventRow.decision_id == decision_id)
    heads = {h.decision_id: h for h in await session.scalars(heads_stmt)}
    chains: dict[str, list[AuditEventRow]] = {d: [] for d in sorted(heads)}
    async for row in await session.stream_scalars(rows_stmt):
        chains.setdefault(row.decision_id, []).append(row)
    breaks = [
        found
        for d in sorted(chains)
        if (found := check_chain(d, chains[d], heads.get(d))) is not None
    ]
    return VerifyReport(
        decisions_checked=len(chains),
        events_checked=sum(len(rows) for rows in chains.values()),
        breaks=breaks,
    )
