"""Posted chat cards, remembered so every one can be redrawn when the decision moves,
and the conversations bots may post them into."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession

from signoff.adapters.store.sql import upsert
from signoff.adapters.store.tables import CardRow, ConversationRow
from signoff.core.channel_protocol import CardRef

SHARED = ""
"""The stored recipient of a card in a shared destination (see :class:`CardRow`)."""


def save_card(conn: Connection, *, decision_id: str, card: CardRef) -> None:
    """Remember ``card``; a card for the same channel and recipient replaces it."""
    values = {
        "decision_id": decision_id,
        "channel": card.channel,
        "recipient": card.recipient if card.recipient is not None else SHARED,
        "ref": card.ref,
        "message_id": card.message_id,
        "updated_at": datetime.now(UTC),
    }
    stmt = upsert(
        conn.dialect.name,
        CardRow.__table__,
        keys=("decision_id", "channel", "recipient"),
        update=("ref", "message_id", "updated_at"),
    )
    conn.execute(stmt, values)


def _card(row: CardRow) -> CardRef:
    return CardRef(
        channel=row.channel,
        recipient=None if row.recipient == SHARED else row.recipient,
        ref=row.ref,
        message_id=row.message_id,
    )


async def list_cards(
    session: AsyncSession, *, decision_ids: Sequence[str]
) -> dict[str, list[CardRef]]:
    """Each decision's cards in the order they were first posted (none: no entry)."""
    rows = await session.scalars(
        select(CardRow).where(CardRow.decision_id.in_(decision_ids)).order_by(CardRow.id)
    )
    found: dict[str, list[CardRef]] = {}
    for row in rows:
        found.setdefault(row.decision_id, []).append(_card(row))
    return found


async def decision_of_message(
    session: AsyncSession, *, channel: str, message_id: str
) -> str | None:
    """The decision whose card is the message ``message_id`` in ``channel``."""
    return await session.scalar(
        select(CardRow.decision_id)
        .where(CardRow.channel == channel, CardRow.message_id == message_id)
        .limit(1)
    )


def save_conversation(
    conn: Connection, *, channel: str, key: str, reference: dict[str, Any]
) -> None:
    """Remember where ``channel``'s bot may post as ``key``; a newer reference replaces it."""
    stmt = upsert(
        conn.dialect.name,
        ConversationRow.__table__,
        keys=("channel", "key"),
        update=("reference", "updated_at"),
    )
    values = {"channel": channel, "key": key, "reference": reference}
    conn.execute(stmt, {**values, "updated_at": datetime.now(UTC)})


async def get_conversation(
    session: AsyncSession, *, channel: str, key: str
) -> dict[str, Any] | None:
    row = await session.get(ConversationRow, (channel, key))
    return row.reference if row else None
