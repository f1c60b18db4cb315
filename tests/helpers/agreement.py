"""Does the record agree with the workflow? The oracle for every race and restart spec.

The workflow's own state keeps one history line per audit event it recorded (kind,
actor, stage, in order), and its outcome names who decided. The store, the cards and
every report are projections and must say the same, one for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from signoff.adapters.store import Store
from signoff.client.signoff_client import SignoffClient
from signoff.core.models import AuditKind


@dataclass
class Disagreement:
    decision_id: str
    problems: list[str] = field(default_factory=list)


async def compare(client: SignoffClient, store: Store, decision_id: str) -> list[str]:
    """What the store says that the workflow does not (empty when they agree)."""
    state = await client.state(decision_id)
    events = await store.events(decision_id)
    in_workflow = [(h.kind, h.actor, h.stage) for h in state.history]
    # Refusals a validator gave are audited by the client, outside the workflow's chain.
    in_store = [(e.kind.value, e.actor, e.stage) for e in events if "/refusal/" not in e.event_id]
    problems: list[str] = []
    if in_store != in_workflow:
        problems.append(f"events differ: store {in_store} != workflow {in_workflow}")
    outcome = state.outcome
    if outcome is not None:
        finalized = [e for e in events if e.kind is AuditKind.FINALIZED]
        decided = [e.data.get("outcome", {}).get("decided_by") for e in finalized]
        if decided != [outcome.decided_by] and not outcome.overrides:
            problems.append(f"finalized by {decided} but the workflow says {outcome.decided_by}")
    report = await store.verify(decision_id)
    if report.breaks:
        problems.append(f"chain breaks: {report.breaks}")
    return problems
