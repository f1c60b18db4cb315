"""Recompute every hash chain and report, per decision, where it first breaks.

A chain breaks where a row's content no longer matches its hash (altered), where its
``prev_hash`` is not the previous row's hash or its ``seq`` skips (deleted or reordered
rows), or where it ends before the head recorded with the last append (the newest
events were deleted).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.notary import Anchor, LogContents, PublicKeys
from signoff.adapters.store import checkpoints
from signoff.adapters.store.chain import GENESIS, seal
from signoff.adapters.store.row_check import row_problem
from signoff.adapters.store.tables import AuditEventRow, AuditHeadRow, DecisionRow
from signoff.adapters.store.vouch_check import vouch_problem
from signoff.core.models import ChainBreak, SignedHead, VerifyReport


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


def check_anchor(
    decision_id: str,
    rows: Sequence[AuditEventRow],
    signed: Sequence[SignedHead],
    keys: PublicKeys,
) -> ChainBreak | None:
    """The first way ``rows`` disagree with the heads signed for them (stored with the
    chain, or kept in the checkpoint log); None when every head verifies, names an event
    the chain still holds with the hash it had, and the newest event is covered."""
    hashes = {row.seq: row for row in rows}
    last = len(rows)
    covered = 0

    def broken(seq: int, problem: str) -> ChainBreak:
        found = hashes.get(seq)
        return ChainBreak(
            decision_id=decision_id,
            seq=seq,
            event_id=found.event_id if found else "",
            problem=problem,
        )

    for head in sorted(signed, key=lambda h: h.seq):
        if not keys.verifies(head):
            return broken(
                head.seq,
                f"the head signed for event {head.seq} does not verify under audit key"
                f" {head.key_id}: it was forged or altered",
            )
        if head.seq > last and last == 0:
            return broken(
                head.seq,
                f"the audit key signed {head.seq} events of this decision but the store holds"
                " none: the decision was deleted",
            )
        if head.seq > last:
            return broken(
                head.seq,
                f"a signed head covers {head.seq} events but the store holds {last}:"
                " the chain was cut back",
            )
        if hashes[head.seq].hash != head.hash:
            return broken(
                covered + 1,
                f"events {covered + 1} to {head.seq} are not what the audit key signed when"
                " they were written: the chain was rewritten",
            )
        covered = max(covered, head.seq)
    if covered < last:
        return broken(
            covered + 1,
            f"events {covered + 1} to {last} carry no signature by the audit key: they were"
            " written or rewritten without it",
        )
    return None


async def _snapshot(session: AsyncSession) -> None:
    """Read every table as of one moment: events, heads, signatures and rows written
    together must be seen together (SQLite's read transaction already is a snapshot)."""
    if session.bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def verify_chains(
    session: AsyncSession,
    *,
    decision_ids: Collection[str] | None = None,
    anchor: Anchor | None = None,
) -> VerifyReport:
    """Check the chains of ``decision_ids`` (every chain when None): each chain whole,
    each ``decisions`` row against its chain, and with an ``anchor`` each chain against
    the heads signed for it and the checkpoint logs (read first, so that everything in
    them was committed before the store is read)."""
    logged = anchor.read_logs() if anchor is not None else LogContents()
    await _snapshot(session)
    heads_stmt = select(AuditHeadRow)
    rows_stmt = select(AuditEventRow).order_by(AuditEventRow.decision_id, AuditEventRow.seq)
    decisions_stmt = select(DecisionRow)
    if decision_ids is not None:
        wanted = list(decision_ids)
        heads_stmt = heads_stmt.where(AuditHeadRow.decision_id.in_(wanted))
        rows_stmt = rows_stmt.where(AuditEventRow.decision_id.in_(wanted))
        decisions_stmt = decisions_stmt.where(DecisionRow.decision_id.in_(wanted))
        logged.heads = [h for h in logged.heads if h.decision_id in decision_ids]
    heads = {h.decision_id: h for h in await session.scalars(heads_stmt)}
    chains: dict[str, list[AuditEventRow]] = {d: [] for d in sorted(heads)}
    async for row in await session.stream_scalars(rows_stmt):
        chains.setdefault(row.decision_id, []).append(row)
    rows = {r.decision_id: r for r in await session.scalars(decisions_stmt)}
    signed: dict[str, list[SignedHead]] = {}
    if anchor is not None:
        signed = await checkpoints.all_signed(session, decision_ids=decision_ids)
        for head in logged.heads:
            chains.setdefault(head.decision_id, [])
            signed.setdefault(head.decision_id, []).append(head)
    for decision_id in rows:
        chains.setdefault(decision_id, [])
    breaks = []
    for d in sorted(chains):
        found = check_chain(d, chains[d], heads.get(d))
        if found is None and anchor is not None:
            found = check_anchor(d, chains[d], signed.get(d, []), anchor.keys)
        if found is None and d in rows:
            problem = row_problem(rows[d], chains[d])
            if problem:
                found = ChainBreak(decision_id=d, seq=0, event_id="", problem=problem)
        if found is None and (unvouched := vouch_problem(d, chains[d])) is not None:
            seq, problem = unvouched
            event_id = next((r.event_id for r in chains[d] if r.seq == seq), "")
            found = ChainBreak(decision_id=d, seq=seq, event_id=event_id, problem=problem)
        if found is not None:
            breaks.append(found)
    return VerifyReport(
        decisions_checked=len(chains),
        events_checked=sum(len(rows) for rows in chains.values()),
        breaks=breaks,
        anchored=anchor is not None,
        signed_heads_checked=sum(len(s) for s in signed.values()),
        log_problems=logged.unreadable,
    )
