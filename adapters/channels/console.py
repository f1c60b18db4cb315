"""Cards in the terminal: what ``signoff dev`` shows a newcomer before Slack or Teams.

Every card is logged on the ``signoff.console`` logger, so it also lands in worker logs,
and drawn on a rich console when one is given.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from signoff.core.channel import CardRef, Notice
from signoff.core.messages import BADGE_SAMPLED
from signoff.core.models import ChannelTarget, DecisionState, Status

__all__ = ["ConsoleChannel", "render_card"]

log = logging.getLogger("signoff.console")

STATUS_STYLES = {
    Status.PENDING: "yellow",
    Status.APPROVED: "green",
    Status.APPROVED_WITH_EDITS: "green",
    Status.AUTO_APPROVED: "green",
    Status.REJECTED: "red",
    Status.OVERRIDDEN: "magenta",
    Status.CHANGES_REQUESTED: "cyan",
}


def render_card(state: DecisionState, *, proposal_chars: int = 200) -> list[str]:
    """The card as plain lines: title and status first, then what an approver weighs."""
    request = state.request
    lines = [
        f"{request.title} [{state.status.value}]",
        f"  decision {state.decision_id} · {request.use_case} · {request.subject}"
        f" · requested by {request.requester}",
        f"  proposal: {_shorten(_proposal(state), proposal_chars)}",
        f"  confidence {request.confidence:.2f} · risk {request.risk_tier.value}"
        f" · model {request.model.name} {request.model.version}",
    ]
    if state.stage is not None and not state.status.is_final:
        stage = state.stage
        lines.append(
            f"  stage {stage.index + 1}/{len(state.plan.stages)} {stage.name}"
            f" · waiting on {', '.join(state.waiting_on) or 'nobody'}"
        )
    deadline = state.stage.deadline if state.stage else None
    if not state.status.is_final and (deadline or state.expires_at):
        lines.append(f"  deadline {_when(deadline or state.expires_at)}")
    if state.outcome is not None:
        outcome = state.outcome
        who = f" by {', '.join(outcome.standing_on)}" if outcome.standing_on else ""
        why = f": {_shorten(outcome.reason, proposal_chars)}" if outcome.reason else ""
        lines.append(f"  outcome {outcome.status.value}{who} at {_when(outcome.decided_at)}{why}")
        if outcome.final_text is not None and outcome.final_text != outcome.original_text:
            lines.append(f"  final: {_shorten(outcome.final_text, proposal_chars)}")
    if state.sampled_for_qa:
        lines.append(f"  {BADGE_SAMPLED}")
    return lines


class ConsoleChannel:
    """Shows cards and notices in the terminal and the log.

    Args:
        console: Where to draw cards; None logs them only.
        proposal_chars: How much of the proposal a card shows.
    """

    kind = "console"

    def __init__(self, console: Console | None = None, *, proposal_chars: int = 200):
        self._console = console
        self._proposal_chars = proposal_chars
        self._lines = itertools.count(1)

    async def post(
        self, state: DecisionState, target: ChannelTarget, recipient: str | None
    ) -> CardRef:
        line = next(self._lines)
        self._show(state, f"card #{line}" + (f" for {recipient}" if recipient else ""))
        return CardRef(channel=self.kind, recipient=recipient, ref={"line": line})

    async def redraw(self, state: DecisionState, card: CardRef) -> None:
        self._show(state, f"card #{card.ref.get('line', '?')} updated")

    async def notify(
        self,
        state: DecisionState,
        target: ChannelTarget,
        notice: Notice,
        cards: Sequence[CardRef] = (),
    ) -> None:
        to = ", ".join(notice.recipients) or "everyone"
        heading = f"{notice.kind} for {to} on {state.decision_id}"
        log.info("%s: %s", heading, notice.text)
        if self._console is not None:
            self._console.print(Text.assemble((heading, "bold"), ": ", notice.text))

    def _show(self, state: DecisionState, heading: str) -> None:
        lines = render_card(state, proposal_chars=self._proposal_chars)
        log.info("%s: %s", heading, "\n".join(lines))
        if self._console is not None:
            style = STATUS_STYLES.get(state.status, "dim")
            # Text, not markup: titles and proposals are user content and may hold [brackets].
            title = Text(lines[0], style=f"bold {style}")
            body = Text("\n".join(line.strip() for line in lines[1:]))
            self._console.print(Panel(body, title=title, subtitle=heading, border_style=style))


def _proposal(state: DecisionState) -> str:
    proposal = state.request.proposal
    if proposal.text is not None:
        return proposal.text
    return json.dumps(proposal.payload, ensure_ascii=False, default=str)


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
