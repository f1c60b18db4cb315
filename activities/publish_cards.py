"""Keep every card truthful: post to people newly asked, redraw every card already
posted, and send reminders and escalations, through each channel the policy names."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from temporalio import activity
from temporalio.common import MetricMeter

from signoff.activities.inputs import CardPublishInput
from signoff.core import metrics
from signoff.core.channel_protocol import CardRef, Channel
from signoff.core.models import ChannelTarget, DecisionState

if TYPE_CHECKING:
    from signoff.adapters.store import Store

log = logging.getLogger(__name__)


class CardActivities:
    """Args:
    store: Where posted cards are remembered.
    channels: Channels by kind.
    meter: Where failed draws are counted, by channel kind (the worker runtime's, so
        the card outbox's draws count too); none, nothing is counted.
    """

    def __init__(
        self, store: Store, channels: dict[str, Channel], meter: MetricMeter | None = None
    ) -> None:
        self._store = store
        self._channels = channels
        self._meter = meter

    @activity.defn(name="signoff.publish_cards")
    async def publish_cards(self, input: CardPublishInput) -> int:
        """For runs without the patch ``cards-from-store``; newer ones are drawn by
        :class:`signoff.app.card_outbox_loop.CardOutboxLoop`."""
        return await self.draw(input, await self._store.cards(input.state.decision_id))

    async def draw(self, input: CardPublishInput, posted: list[CardRef]) -> int:
        """Redraw the ``posted`` cards and post the missing ones; returns how many new
        cards were posted. A channel error raises, so the caller retries later: an
        outage delays cards but loses nothing, and each card posted is remembered in the
        store at once so a retry never posts it twice."""
        state = input.state
        new = 0
        for target in state.plan.policy.channels:
            channel = self._channels.get(target.kind)
            if channel is None:
                log.warning("no '%s' channel on this worker; skipping its cards", target.kind)
                continue
            try:
                new += await self._draw(channel, input, target, posted)
            except Exception:
                if self._meter is not None:
                    labels = {"channel": target.kind}
                    metrics.record(self._meter, metrics.CARD_DELIVERIES_FAILED, 1, labels)
                raise
        return new

    async def _draw(
        self,
        channel: Channel,
        input: CardPublishInput,
        target: ChannelTarget,
        posted: list[CardRef],
    ) -> int:
        """One channel's part of :meth:`draw`."""
        state, new = input.state, 0
        mine = [c for c in posted if c.channel == target.kind]
        for card in mine:
            await channel.redraw(state, card)
        have = {c.recipient for c in mine}
        for recipient in _recipients(state, target):
            if recipient not in have:
                card = await channel.post(state, target, recipient)
                await self._store.save_card(state.decision_id, card)
                mine.append(card)
                new += 1
        for notice in input.notices:
            await channel.notify(state, target, notice, mine)
        return new


def _recipients(state: DecisionState, target: ChannelTarget) -> list[str | None]:
    """None stands for the shared card. Where the policy sends direct messages, everyone
    the decision has asked gets one, even when it was decided before the chat could
    first be reached (a card that shows who decided, rather than none), and so do the
    reviewers of an automatic approval sampled for QA."""
    shared: list[str | None] = (
        [None] if target.destination is not None or not target.direct_messages else []
    )
    if not target.direct_messages:
        return shared
    stages = [*state.past_stages, *([state.stage] if state.stage else [])]
    asked = [person for stage in stages for person in stage.asked]
    return shared + list(dict.fromkeys([*asked, *state.qa_reviewers]))
