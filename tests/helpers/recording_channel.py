"""A channel that keeps what it was asked to show, standing in for a chat workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.models import ChannelTarget, DecisionState


@dataclass
class RecordingChannel:
    kind: str = "console"
    posts: list[tuple[str, str | None, str]] = field(default_factory=list)
    redraws: list[tuple[str, str, str]] = field(default_factory=list)
    notices: list[tuple[str, Notice]] = field(default_factory=list)
    # (decision id, status) of every card shown, posted or redrawn, in order
    drawn: list[tuple[str, str]] = field(default_factory=list)
    # (decision id, who decided) of every card shown with an outcome, in order
    deciders_shown: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    fail_next: int = 0

    def _maybe_fail(self) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ConnectionError("chat API unavailable")

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        self._maybe_fail()
        self.posts.append((state.decision_id, recipient, state.status.value))
        self._shown(state)
        return CardRef(channel=self.kind, recipient=recipient, ref={"n": len(self.posts)})

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        self._maybe_fail()
        self.redraws.append((state.decision_id, str(card.ref["n"]), state.status.value))
        self._shown(state)

    def _shown(self, state: DecisionState) -> None:
        self.drawn.append((state.decision_id, state.status.value))
        if state.outcome is not None:
            self.deciders_shown.append((state.decision_id, tuple(state.outcome.decided_by)))

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        self._maybe_fail()
        self.notices.append((state.decision_id, notice))

    def notices_for(self, decision_id: str, kind: str) -> list[Notice]:
        return [n for d, n in self.notices if d == decision_id and n.kind == kind]

    def last_drawn_status(self, decision_id: str) -> str | None:
        """What the decision's newest card shows, posted or redrawn."""
        shown = [status for d, status in self.drawn if d == decision_id]
        return shown[-1] if shown else None
