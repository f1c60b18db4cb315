"""Signed chain heads in the store: written with the events they cover, read back for
publishing and verifying. Signing itself is the notary's
(:mod:`signoff.adapters.notary`); the store only keeps what it is handed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.notary import Notary
from signoff.adapters.store.tables import AuditCheckpointRow, AuditHeadRow
from signoff.core.models import SignedHead

_INSERT = insert(AuditCheckpointRow.__table__)


def signed(row: AuditCheckpointRow) -> SignedHead:
    return SignedHead(
        decision_id=row.decision_id,
        seq=row.seq,
        hash=row.hash,
        signed_at=row.signed_at,
        key_id=row.key_id,
        signature=row.signature,
    )


def sign_heads(
    conn: Connection, notary: Notary, heads: Sequence[dict[str, Any]]
) -> list[SignedHead]:
    """Sign each new head and store the signatures, inside the caller's transaction."""
    now = datetime.now(UTC)
    made = [notary.sign(h["decision_id"], h["seq"], h["hash"], now) for h in heads]
    if made:
        conn.execute(_INSERT, [head.model_dump() for head in made])
    return made


def newest(conn: Connection, decision_ids: Collection[str]) -> list[SignedHead]:
    """The newest signed head of each of ``decision_ids`` that has one."""
    last = (
        select(AuditCheckpointRow.decision_id, func.max(AuditCheckpointRow.seq).label("seq"))
        .where(AuditCheckpointRow.decision_id.in_(list(decision_ids)))
        .group_by(AuditCheckpointRow.decision_id)
        .subquery()
    )
    table = AuditCheckpointRow.__table__
    stmt = select(*table.c).join(
        last, (table.c.decision_id == last.c.decision_id) & (table.c.seq == last.c.seq)
    )
    return [SignedHead.model_validate(dict(row._mapping)) for row in conn.execute(stmt)]


async def all_signed(
    session: AsyncSession, *, decision_ids: Collection[str] | None = None
) -> dict[str, list[SignedHead]]:
    """Every stored signed head, by decision, oldest first."""
    stmt = select(AuditCheckpointRow).order_by(
        AuditCheckpointRow.decision_id, AuditCheckpointRow.seq
    )
    if decision_ids is not None:
        stmt = stmt.where(AuditCheckpointRow.decision_id.in_(list(decision_ids)))
    found: dict[str, list[SignedHead]] = {}
    for row in await session.scalars(stmt):
        found.setdefault(row.decision_id, []).append(signed(row))
    return found


def sign_unsigned(conn: Connection, notary: Notary, skip: Collection[str]) -> list[SignedHead]:
    """Sign the head of every chain whose newest event has no signed head, but those in
    ``skip`` (chains that do not verify must not be blessed); for chains written before
    the audit key existed."""
    signed_through = dict(
        conn.execute(
            select(AuditCheckpointRow.decision_id, func.max(AuditCheckpointRow.seq)).group_by(
                AuditCheckpointRow.decision_id
            )
        ).all()
    )
    heads = conn.execute(select(AuditHeadRow.decision_id, AuditHeadRow.seq, AuditHeadRow.hash))
    due = [
        {"decision_id": d, "seq": seq, "hash": sealed}
        for d, seq, sealed in heads
        if d not in skip and signed_through.get(d, 0) < seq
    ]
    return sign_heads(conn, notary, due)
