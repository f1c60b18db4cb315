"""Is a ``decisions`` row what its audit chain says?

The decisions table is what auditors filter on (``audit query --status``) and what cards
are redrawn from, but it is a projection: each column that the chain also records is
recomputed from the chain here, so an edited row is reported instead of trusted. The
chain itself is checked (and anchored) by :mod:`signoff.adapters.store.verify`.

``stage_name`` and ``waiting_on`` are left out: they depend on quorum rules applied
vote by vote, which only the workflow knows; ``audit verify --against-temporal`` covers
them through the state the workflow wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from signoff.adapters.store.tables import AuditEventRow, DecisionRow
from signoff.adapters.store.types import as_utc
from signoff.core.models import AuditKind, DecisionState, DecisionSummary, Status


def chain_facts(events: Sequence[AuditEventRow]) -> dict[str, Any] | None:
    """What the chain says of the columns it records, or None without a ``submitted``."""
    submitted = next((e for e in events if e.kind == AuditKind.SUBMITTED), None)
    if submitted is None:
        return None
    request = submitted.data.get("request", {})
    model = request.get("model", {})
    facts: dict[str, Any] = {
        "use_case": request.get("use_case"),
        "subject": request.get("subject"),
        "title": request.get("title"),
        "risk_tier": request.get("risk_tier"),
        "model_name": model.get("name"),
        "model_version": model.get("version"),
        "requester": request.get("requester"),
        "submitted_at": as_utc(submitted.at),
        "status": Status.PENDING.value,
        "decided_by": [],
        "decided_at": None,
        "overridden": False,
    }
    for event in events:
        if event.kind == AuditKind.FINALIZED:
            outcome = event.data.get("outcome", {})
            decided_at = outcome.get("decided_at")
            facts |= {
                "status": outcome.get("status"),
                "decided_by": outcome.get("decided_by"),
                "decided_at": as_utc(datetime.fromisoformat(decided_at)) if decided_at else None,
                "overridden": bool(outcome.get("overrides")),
            }
        elif event.kind == AuditKind.OVERRIDDEN and facts["status"] != Status.PENDING.value:
            facts |= {"status": Status.OVERRIDDEN.value, "overridden": True}
    return facts


def _differences(facts: dict[str, Any], found: dict[str, Any]) -> list[str]:
    def norm(value: Any) -> Any:
        return as_utc(value) if isinstance(value, datetime) else value

    return [name for name, value in facts.items() if norm(found.get(name)) != value]


def row_problem(row: DecisionRow, events: Sequence[AuditEventRow]) -> str | None:
    """Why ``row`` is not what ``events`` say, or None when it is."""
    facts = chain_facts(events)
    if facts is None:
        return "the decisions row has no 'submitted' event in the audit chain"
    columns = {name: getattr(row, name) for name in facts}
    differ = _differences(facts, columns)
    if differ:
        return (
            f"the decisions row's {', '.join(differ)} differ from the audit chain:"
            " the row was edited"
        )
    try:
        state = DecisionState.model_validate(row.state)
    except ValidationError:
        return "the decisions row's state document is not a decision state: the row was edited"
    summary = DecisionSummary.of(state).model_dump() | {"status": state.status.value}
    differ = _differences(facts, summary)
    if differ:
        return (
            f"the decisions row's state document has other {', '.join(differ)} than the audit"
            " chain: the row was edited"
        )
    return None
