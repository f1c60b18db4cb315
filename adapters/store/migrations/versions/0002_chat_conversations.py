"""Chat conversations the bots may post into, and cards findable by their message.

Teams lets a bot post into a chat or channel only through a conversation reference it
was given (on install, or by any message there); ``chat_conversations`` keeps them. A
reaction to a card (Teams' feedback loop) names only the message, so cards gain
``message_id`` to find their decision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("reference", JSON_DOC, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "key", name="pk_chat_conversations"),
    )
    op.add_column("cards", sa.Column("message_id", sa.String(300), nullable=True))
    op.create_index("ix_cards_channel_message_id", "cards", ["channel", "message_id"])


def downgrade() -> None:
    op.drop_index("ix_cards_channel_message_id", table_name="cards")
    with op.batch_alter_table("cards") as batch:
        batch.drop_column("message_id")
    op.drop_table("chat_conversations")
