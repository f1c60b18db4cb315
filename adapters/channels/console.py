"""Cards in the terminal: what ``signoff dev`` shows a newcomer before Slack or Teams.

Every card is logged on the ``signoff.console`` logger, so it also lands in worker logs,
and drawn on a rich console when one is given.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from signoff.core.card_view import card_view
from signoff.core.channel_protocol import CardRef, Notice
from signoff.core.messages import BADGE_SAMPLED
from signoff.core.models import ChannelTarget, DecisionState, Status
from signoff.core.text import one_line, utc_text

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
    """The card as plain lines, drawn from the same :class:`CardView` as Slack's and
    Teams': title and status first, then what an approver weighs."""
    view = card_view(state, proposal_chars=proposal_chars)
    proposal = view.proposal_text if view.proposal_text is not None else view.payload_summary
    lines = [
        f"{view.title} [{view.status.value}]",
        f"  decision {view.decision_id} · {view.use_case} · {view.subject}"
        f" · requested by {view.requester}",
        f"  proposal: {one_line(proposal or '', proposal_chars)}",
        f"  confidence {view.confidence:.2f} · risk {view.risk_tier}"
        f" · model {view.model_name} {view.model_version}",
    ]
    if view.track_record is not None:
        lines.append(f"  {view.track_record}")
    if view.stage is not None and not view.status.is_final:
        stage = view.stage
        lines.append(
            f"  stage {stage.index + 1}/{stage.total} {stage.name}"
            f" · waiting on {', '.join(stage.waiting_on) or 'nobody'}"
        )
    if view.deadline is not None:
        lines.append(f"  deadline {utc_text(view.deadline)}")
    if view.outcome is not None:
        outcome = view.outcome
        who = f" by {', '.join(outcome.standing_on)}" if outcome.standing_on else ""
        why = f": {one_line(outcome.reason, proposal_chars)}" if outcome.reason else ""
        lines.append(
            f"  outcome {outcome.status.value}{who} at {utc_text(outcome.decided_at)}{why}"
        )
        if outcome.final_text is not None and outcome.final_text != state.request.proposal.text:
            lines.append(f"  final: {one_line(outcome.final_text, proposal_chars)}")
    if view.badge == BADGE_SAMPLED:
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
