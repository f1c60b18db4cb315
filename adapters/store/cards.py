"""Posted chat cards, remembered so every one can be redrawn when the decision moves."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.sql import upsert
from adapters.store.tables import CardRow
from signoff.channels import CardRef

SHARED = ""
"""The stored recipient of a card in a shared destination (see :class:`CardRow`)."""


def save_card(conn: Connection, *, decision_id: str, card: CardRef) -> None:
    """Remember ``card``; a card for the same channel and recipient replaces it."""
    values = {
        "decision_id": decision_id,
        "channel": card.channel,
        "recipient": card.recipient if card.recipient is not None else SHARED,
        "ref": card.ref,
        "updated_at": datetime.now(UTC),
    }
    stmt = upsert(
        conn.dialect.name,
        CardRow.__table__,
        keys=("decision_id", "channel", "recipient"),
        update=("ref", "updated_at"),
    )
    conn.execute(stmt, values)


async def list_cards(session: AsyncSession, *, decision_id: str) -> list[CardRef]:
    """A decision's cards in the order they were first posted."""
    rows = await session.scalars(
        select(CardRow).where(CardRow.decision_id == decision_id).order_by(CardRow.id)
    )
    return [
        CardRef(
            channel=row.channel,
            recipient=None if row.recipient == SHARED else row.recipient,
            ref=row.ref,
        )
        for row in rows
    ]
