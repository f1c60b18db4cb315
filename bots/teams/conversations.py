"""Where the Teams bot may post: conversation references, captured from what Teams
sends (an install, a message, a click) and kept in the store.

Keys: ``user:<AAD object id>`` for a person's chat with the bot, and
``conversation:<id>`` for a channel or group chat (a channel's id, without the
``;messageid=`` suffix Teams adds inside a thread). A policy's Teams destination is such
a conversation id, e.g. ``19:abc@thread.tacv2``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from pydantic import BaseModel

__all__ = [
    "ConversationBook",
    "ConversationRef",
    "conversation_key",
    "message_key",
    "user_key",
]

CHANNEL = "teams"


class ConversationRef(BaseModel):
    """Enough of a Bot Framework conversation reference to post into it."""

    service_url: str
    conversation_id: str
    conversation_type: str | None = None  # personal, channel or groupChat
    tenant_id: str | None = None

    @classmethod
    def of(cls, activity: dict[str, Any]) -> ConversationRef:
        """The conversation an inbound activity came from; inside a channel thread, the
        channel itself."""
        conversation = _object(activity.get("conversation"))
        channel_data = _object(activity.get("channelData"))
        channel_id = _text(_object(channel_data.get("channel")).get("id"))
        conversation_id = channel_id or str(conversation.get("id", "")).split(";")[0]
        tenant = _text(conversation.get("tenantId")) or _text(
            _object(channel_data.get("tenant")).get("id")
        )
        return cls(
            service_url=str(activity.get("serviceUrl", "")),
            conversation_id=conversation_id,
            conversation_type=_text(conversation.get("conversationType")),
            tenant_id=tenant,
        )


class ConversationBook(Protocol):
    """What keeps references: :class:`signoff.adapters.store.Store` does."""

    async def conversation(self, channel: str, key: str) -> dict[str, Any] | None: ...

    async def save_conversation(
        self, channel: str, key: str, reference: dict[str, Any]
    ) -> None: ...


def user_key(aad_object_id: str) -> str:
    return f"user:{aad_object_id}"


def conversation_key(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def message_key(conversation_id: str, activity_id: str) -> str:
    """A posted card's key in the store: activity ids are unique only within their
    conversation, and conversation ids can be long, so the pair is hashed."""
    return hashlib.sha256(f"{conversation_id}\n{activity_id}".encode()).hexdigest()


def _object(value: Any) -> dict[str, Any]:
    """``channelData`` is Teams' own free-form part: take only what has the shape."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
