"""How a decision looks in the terminal: the routed summary after ``submit`` and the
full panel of ``signoff show``.

Titles, proposals and reasons are user content and may contain ``[brackets]``, so they
are always wrapped in :class:`rich.text.Text`, never interpreted as markup.
"""

from __future__ import annotations

import json
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from signoff.adapters.channels.console import STATUS_STYLES
from signoff.core.models import DecisionState, Quorum, Status
from signoff.core.text import utc_text


def stdout_console() -> Console:
    """A console bound to the current ``sys.stdout`` (made per call, so a test runner
    that swaps the stream sees the output)."""
    return Console(highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def when(moment: datetime | None) -> str:
    return utc_text(moment, seconds=True)


def status_text(status: Status | str) -> Text:
    """A coloured status; visibility may report one that is not a :class:`Status` yet
    (``starting``), shown dim."""
    try:
        known = Status(status)
    except ValueError:
        return Text(str(status), style="dim")
    return Text(known.value, style=f"bold {STATUS_STYLES.get(known, 'dim')}")


def quorum_text(quorum: Quorum, asked: int) -> str:
    if quorum.kind == "n_of_m":
        return f"{quorum.n} of {asked}"
    return "first answer" if quorum.kind == "first" else "everyone"


def proposal_text(state: DecisionState) -> str:
    proposal = state.request.proposal
    parts = [proposal.text] if proposal.text is not None else []
    if proposal.payload is not None:
        parts.append(json.dumps(proposal.payload, ensure_ascii=False, default=str))
    return "\n".join(parts)


def routed_lines(state: DecisionState) -> list[Text]:
    """What ``submit`` prints: where the decision went and who must answer."""
    lines = [
        Text.assemble("Decision ", (state.decision_id, "bold"), ": ", status_text(state.status)),
        Text(
            f"Route: {state.route_reason}" + (" (sampled for QA)" if state.sampled_for_qa else "")
        ),
    ]
    stage = state.stage
    if stage is not None and not state.status.is_final:
        lines.append(
            Text(
                f"Stage {stage.index + 1}/{len(state.plan.stages)} '{stage.name}': asked "
                f"{', '.join(stage.asked)} ({quorum_text(stage.quorum, len(stage.asked))})"
            )
        )
        if stage.deadline:
            lines.append(Text(f"Answer by {when(stage.deadline)}"))
    return lines


def _field_rows(state: DecisionState) -> list[tuple[str, RenderableType]]:
    req = state.request
    model = f"{req.model.name} {req.model.version}"
    rows: list[tuple[str, RenderableType]] = [
        ("Status", status_text(state.status)),
        ("Decision", Text(f"{state.decision_id} · {req.use_case} · {req.subject}")),
        ("Requested by", Text(f"{req.requester} at {when(state.submitted_at)}")),
        ("Proposal", Text(proposal_text(state))),
        ("Confidence", Text(f"{req.confidence:.2f}")),
        (
            "Risk",
            Text(req.risk_tier.value + (f" · flags {', '.join(req.flags)}" if req.flags else "")),
        ),
        (
            "Model",
            Text(
                model
                + (f" · prompt {req.model.prompt_version}" if req.model.prompt_version else "")
            ),
        ),
        ("Policy", Text(f"{state.plan.policy.name} ({state.plan.policy.autonomy.value})")),
        ("Route", Text(state.route_reason + (" · sampled for QA" if state.sampled_for_qa else ""))),
    ]
    if req.rationale:
        rows.insert(4, ("Rationale", Text(req.rationale)))
    rows += _review_rows(state)
    return rows


def _review_rows(state: DecisionState) -> list[tuple[str, RenderableType]]:
    rows: list[tuple[str, RenderableType]] = []
    stage = state.stage
    if stage is not None:
        asked = f"{', '.join(stage.asked)} ({quorum_text(stage.quorum, len(stage.asked))})"
        rows.append(("Stage", Text(f"{stage.index + 1}/{len(state.plan.stages)} {stage.name}")))
        rows.append(("Asked", Text(asked)))
        if not state.status.is_final:
            rows.append(("Waiting on", Text(", ".join(state.waiting_on) or "nobody")))
            deadline = stage.deadline or state.expires_at
            if deadline:
                rows.append(("Deadline", Text(when(deadline))))
    votes = [v for s in [*state.past_stages, *([stage] if stage else [])] for v in s.votes]
    if votes:
        rows.append(
            (
                "Votes",
                Text(
                    "\n".join(
                        f"{v.actor}: {v.verdict}" + (f" — {v.reason}" if v.reason else "")
                        for v in votes
                    )
                ),
            )
        )
    if state.edit is not None:
        edited = state.edit.text or json.dumps(state.edit.payload, ensure_ascii=False)
        why = f" ({state.edit.reason})" if state.edit.reason else ""
        rows.append(("Edit", Text(f"by {state.edit.actor}{why}: {edited}")))
    outcome = state.outcome
    if outcome is not None:
        # After an override the decision is the manager's; the first deciders stay in
        # the Votes row.
        deciders = outcome.standing_on
        who = f" by {', '.join(deciders)}" if deciders else ""
        why = f": {outcome.reason}" if outcome.reason else ""
        verdict = "may run" if outcome.approved else "may not run"
        line = f"{outcome.status.value}{who} at {when(outcome.decided_at)}{why} ({verdict})"
        rows.append(("Outcome", Text(line)))
        shown = outcome.approved and outcome.final_text is not None
        if shown and outcome.final_text != outcome.original_text:
            rows.append(("Final text", Text(outcome.final_text)))
        for o in outcome.overrides:
            text = f"{o.actor}: {o.verdict} (was {o.previous_status.value}) — {o.reason}"
            rows.append(("Override", Text(text)))
    rows.append(("Feedback", Text(_feedback(state))))
    return rows


def _feedback(state: DecisionState) -> str:
    fb = state.feedback
    parts = [f"{fb.thumbs_up} up, {fb.thumbs_down} down"]
    if fb.corrections:
        parts.append(f"{len(fb.corrections)} correction(s)")
    if fb.ground_truth is not None:
        parts.append(f"ground truth '{fb.ground_truth.label}'")
    elif fb.disputed:
        parts.append("experts disagree: adjudication needed")
    if state.feedback_until:
        parts.append(f"open until {when(state.feedback_until)}")
    return " · ".join(parts)


def state_panel(state: DecisionState) -> RenderableType:
    """The whole decision: a panel of fields, then its history."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for label, value in _field_rows(state):
        grid.add_row(label, value)
    style = STATUS_STYLES.get(state.status, "dim")
    panel = Panel(grid, title=Text(state.request.title, style="bold"), border_style=style)
    history = Table(title="History", title_justify="left", expand=False)
    for name in ("at", "event", "actor", "stage", "detail"):
        history.add_column(name, no_wrap=name in ("at", "event"))
    for entry in state.history:
        stage = "" if entry.stage is None else str(entry.stage + 1)
        history.add_row(
            when(entry.at), entry.kind, entry.actor or "", stage, Text(entry.detail or "")
        )
    return Group(panel, history)
