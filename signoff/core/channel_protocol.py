"""The channel protocol: how a decision's card reaches people and stays truthful.

Slack and Teams implement it, as do the console and webhook channels in ``adapters``.
The publish activity calls it; workflows never do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from signoff.core.models import ChannelTarget, DecisionState, Directory

log = logging.getLogger(__name__)


class CardRef(BaseModel):
    """Where one posted card lives, so it can be redrawn later.

    ``recipient`` is the principal a direct message went to, or None for a card in a
    shared destination. ``ref`` is the channel's own address (Slack: channel and ts).
    ``message_id``, when the channel sets it, finds the decision from a reaction that
    names only the message (Teams' feedback loop).
    """

    channel: str
    recipient: str | None = None
    ref: dict[str, Any] = Field(default_factory=dict)
    message_id: str | None = None


def reachable(directory: Directory, kind: str, notice: Notice) -> list[tuple[str, str]]:
    """A notice's recipients with their identity in chat ``kind``, as (principal,
    identity); someone without one is logged and left out, since retrying cannot fix
    the directory."""
    found = []
    for principal in notice.recipients:
        person = directory.get(principal)
        identity = person.identities.get(kind) if person else None
        if identity is None:
            log.warning(
                "%s has no %s identity in the directory; %s notice not sent",
                principal,
                kind,
                notice.kind,
            )
        else:
            found.append((principal, identity))
    return found


class NoticeRoute(NamedTuple):
    """Where a notice goes for one person: beside ``card`` (a reply in its thread), or,
    with no card, a direct message to ``identity``."""

    principal: str
    identity: str
    card: CardRef | None


def notice_routes(
    directory: Directory, kind: str, notice: Notice, cards: Sequence[CardRef]
) -> list[NoticeRoute]:
    """How chat ``kind`` reaches each recipient of ``notice`` it can reach."""
    return [
        NoticeRoute(principal, identity, card_beside(principal, cards))
        for principal, identity in reachable(directory, kind, notice)
    ]


def card_beside(principal: str, cards: Sequence[CardRef]) -> CardRef | None:
    """The card a notice to ``principal`` answers beside: their own direct-message card,
    else the shared card (where a mention reaches them). Cards skipped at posting (an
    empty ``ref``, or one marked ``skipped``) do not count."""
    posted = [c for c in cards if c.ref and "skipped" not in c.ref]
    for card in sorted(posted, key=lambda c: c.recipient != principal):
        if card.recipient in (principal, None):
            return card
    return None


class Notice(BaseModel):
    """A message beside the card: a reminder, an escalation, a delegated seat, a call to adjudicate,
    or the outcome (including a later override) for people who follow the decision."""

    kind: Literal["reminder", "escalation", "assignment", "adjudication", "outcome"]
    recipients: list[str]
    text: str


@runtime_checkable
class Channel(Protocol):
    kind: str

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        """Post a new card: to ``target.destination`` when recipient is None, else as a
        direct message to that principal."""
        ...

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        """Replace a posted card with the current state."""
        ...

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        """Send a notice to its recipients. ``cards`` are this channel's cards of the
        decision, so a channel can answer beside them (Slack: a reply in the card's
        thread) rather than in a new conversation."""
        ...
