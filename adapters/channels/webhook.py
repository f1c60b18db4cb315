"""Cards as signed webhook events, for teams whose approvals live in their own tool.

The receiver gets the whole :class:`DecisionState` with each event, so it can render its
own card and never has to call back; it answers with actions through the Signoff client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from signoff.adapters.webhooks import WebhookSender
from signoff.core.catalog import ConfigError
from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.models import ChannelTarget, DecisionState

__all__ = ["WebhookChannel", "WebhookEvent"]


class WebhookEvent(BaseModel):
    """The body of every webhook-channel call; receivers can parse it with this model."""

    type: Literal["card.posted", "card.updated", "notice"]
    decision_id: str
    card: CardRef | None = None
    state: DecisionState
    notice: Notice | None = None


class WebhookChannel:
    """Posts ``card.posted``, ``card.updated`` and ``notice`` events to a URL.

    The URL is the target's ``destination``, else ``default_url``. Each event carries an
    idempotency key derived from the decision and its version, so an activity retried
    by Temporal sends the receiver a duplicate it can recognise, not a new card.

    Args:
        secret: The shared HMAC secret the receiver verifies with.
        default_url: Where to post when a target names no destination.
        sender: A configured sender to use instead of the channel's own.
    """

    kind = "webhook"

    def __init__(
        self, secret: str, *, default_url: str | None = None, sender: WebhookSender | None = None
    ):
        self._default_url = default_url
        self._sender = sender or WebhookSender(secret)
        self._owns_sender = sender is None

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        url = self._url(target)
        card_id = f"{state.decision_id}/{recipient or 'shared'}/{_digest(url)}"
        card = CardRef(channel=self.kind, recipient=recipient, ref={"url": url, "card": card_id})
        event = WebhookEvent(
            type="card.posted", decision_id=state.decision_id, card=card, state=state
        )
        await self._sender.send(url, event, idempotency_key=f"card.posted:{card_id}")
        return card

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        url = card.ref.get("url") or self._url(ChannelTarget(kind=self.kind))
        card_id = card.ref.get("card", state.decision_id)
        event = WebhookEvent(
            type="card.updated", decision_id=state.decision_id, card=card, state=state
        )
        key = f"card.updated:{card_id}:v{state.version}"
        await self._sender.send(url, event, idempotency_key=key)

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        url = self._url(target)
        event = WebhookEvent(
            type="notice", decision_id=state.decision_id, state=state, notice=notice
        )
        content = _digest(notice.model_dump_json())
        key = f"notice:{state.decision_id}:v{state.version}:{notice.kind}:{content}"
        await self._sender.send(url, event, idempotency_key=key)

    async def close(self) -> None:
        """Close the channel's own HTTP session; a sender passed in is its owner's to close."""
        if self._owns_sender:
            await self._sender.close()

    def _url(self, target: ChannelTarget) -> str:
        url = target.destination or self._default_url
        # ConfigError, not a network error: retrying cannot help until someone edits config.
        if not url:
            raise ConfigError(
                "the webhook channel needs a URL: set the policy channel's destination "
                "or SIGNOFF_OUTCOME_WEBHOOK_URL",
                field="channels.destination",
            )
        if not url.startswith(("http://", "https://")):
            message = f"webhook destination {url!r} is not an http(s) URL"
            raise ConfigError(message, field="channels.destination")
        return url


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
