"""Does the record agree with the workflow? The oracle of every race and restart spec.

The workflow's own state keeps one history line per audit event it recorded (kind,
actor, stage, in order) and names who decided. The store's events, its indexed decision
and every card are projections of it and must say the same, one for one; a card drawn
from a state history never held would name someone else.
"""

from __future__ import annotations

from signoff.adapters.store import Store
from signoff.client.signoff_client import SignoffClient
from signoff.core.models import AuditKind, ChainedEvent
from tests.helpers.recording_channel import RecordingChannel


def client_refusals(events: list[ChainedEvent]) -> list[ChainedEvent]:
    """Refusals a validator gave, which the client audits outside the workflow."""
    return [e for e in events if "/refusal/" in e.event_id]


async def disagreements(
    client: SignoffClient,
    store: Store,
    decision_id: str,
    *,
    cards: RecordingChannel | None = None,
) -> list[str]:
    """Everything the store or the cards say about ``decision_id`` that the workflow
    does not (empty when they agree)."""
    state = await client.state(decision_id)
    events = await store.events(decision_id)
    refusals = client_refusals(events)
    in_workflow = [(h.kind, h.actor, h.stage) for h in state.history]
    in_store = [(e.kind.value, e.actor, e.stage) for e in events if e not in refusals]
    problems: list[str] = []
    if in_store != in_workflow:
        problems.append(f"events differ: store {in_store} != workflow {in_workflow}")
    stored = await store.decision_state(decision_id)
    if stored is None or stored.status != state.status:
        problems.append(f"indexed status {stored and stored.status} != {state.status}")
    outcome = state.outcome
    if outcome is not None:
        decided = [e.data["outcome"]["decided_by"] for e in events if e.kind is AuditKind.FINALIZED]
        if decided[:1] != [outcome.decided_by]:
            problems.append(f"finalized by {decided} but the workflow says {outcome.decided_by}")
        if cards is not None:
            shown = {who for d, who in cards.deciders_shown if d == decision_id}
            if shown != {tuple(outcome.decided_by)}:
                problems.append(f"cards named {shown} as deciders, not {outcome.decided_by}")
            if cards.last_drawn_status(decision_id) != state.status.value:
                problems.append(f"last card shows {cards.last_drawn_status(decision_id)}")
    report = await store.verify(decision_id)
    if report.breaks:
        problems.append(f"chain breaks: {report.breaks}")
    return problems
