"""Tables for ``signoff audit query``: events and decision summaries."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from signoff.app.cli.render import status_text, when
from signoff.core.models import ChainedEvent, DecisionSummary

DETAIL_CHARS = 100
# Below this many columns a table squeezes the actor and detail to nothing, so each
# event is shown as a heading line with its detail wrapped beneath.
TABLE_WIDTH = 120


# Nested documents (the whole request, the outcome) are too big for a row; these keys
# say what they are about. The full data is in `signoff audit export`.
SALIENT = ("title", "status", "decided_by", "reason", "policy")


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        picked = {k: value[k] for k in SALIENT if value.get(k) not in (None, "", [])}
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in picked.items()) + "}"
    return json.dumps(value, default=str, ensure_ascii=False)


def summarize(data: dict[str, Any]) -> str:
    """An event's data as ``key=value`` pairs, empty values left out, cut to fit a row."""
    parts = [
        f"{key}={_shown(value)}" for key, value in data.items() if value not in (None, "", [], {})
    ]
    text = ", ".join(parts)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


def events_table(
    events: list[ChainedEvent], *, one_decision: bool, width: int = TABLE_WIDTH
) -> RenderableType:
    title = f"{len(events)} audit event(s)"
    if one_decision and events:
        title += f" of {events[0].decision_id}"
    if width < TABLE_WIDTH:
        return _stacked(events, title, one_decision=one_decision)
    table = Table(title=title, title_justify="left")
    if not one_decision:
        table.add_column("decision", no_wrap=True)
    for name in ("seq", "at", "kind", "actor", "detail"):
        table.add_column(name, no_wrap=name in ("seq", "at", "kind"))
    for event in events:
        row = [str(event.seq), when(event.at), event.kind.value, event.actor or ""]
        cells: list[str | Text] = [*row, Text(summarize(event.data))]
        if not one_decision:
            cells.insert(0, Text(event.decision_id))
        table.add_row(*cells)
    return table


def _stacked(events: list[ChainedEvent], title: str, *, one_decision: bool) -> Group:
    parts: list[RenderableType] = [Text(title, style="italic")]
    for event in events:
        where = f"#{event.seq}" if one_decision else f"{event.decision_id} #{event.seq}"
        heading = Text(f"{where}  {when(event.at)}  ", style="bold")
        heading.append(event.kind.value, style="cyan")
        if event.actor:
            heading.append(f"  {event.actor}")
        parts.append(heading)
        detail = summarize(event.data)
        if detail:
            parts.append(Padding(Text(detail), (0, 0, 0, 4)))
    return Group(*parts)


def decided_text(row: DecisionSummary) -> str:
    """Who the outcome rests on: an overrider first, the first deciders after."""
    if row.overridden and row.standing_on and row.standing_on != row.decided_by:
        first = ", ".join(row.decided_by)
        return f"{', '.join(row.standing_on)} (override" + (f"; first {first})" if first else ")")
    if row.decided_by:
        return ", ".join(row.decided_by)
    return f"waiting on {', '.join(row.waiting_on)}" if row.waiting_on else ""


def decisions_table(found: list[DecisionSummary]) -> Table:
    table = Table(title=f"{len(found)} decision(s)", title_justify="left")
    table.add_column("id", no_wrap=True)
    for name in ("status", "use case", "risk", "model", "requester", "decided by", "submitted"):
        table.add_column(name, no_wrap=name == "submitted")
    for row in found:
        decided = decided_text(row)
        status = status_text(row.status)
        if row.overridden and row.status != "overridden":
            status.append(" (overridden)", style="magenta")
        table.add_row(
            Text(row.decision_id),
            status,
            row.use_case,
            row.risk_tier,
            f"{row.model_name} {row.model_version}",
            row.requester,
            Text(decided),
            when(row.submitted_at),
        )
    return table
