"""What Temporal's Web UI shows about a decision, so an operator browsing workflows sees
"Refund $120 for a damaged parcel — pending: leads, waiting on alice, bob" rather than a
bare workflow id.

The title and the request's particulars go in the workflow's static summary and details
when it starts (user metadata, kept in history); its status and stage in its current
details, which the workflow sets as it goes (held by the worker and read through a
query, so setting them writes no history and changes no replay).
"""

from __future__ import annotations

import json

from signoff.core.models import DecisionRequest, DecisionState

SUMMARY_BYTES = 400
"""The server's default limit on a summary's payload (a JSON string, quotes included)."""
DETAILS_BYTES = 20_000


def summary(request: DecisionRequest) -> str:
    return _fit(request.title, SUMMARY_BYTES)


def static_details(request: DecisionRequest) -> str:
    policy = request.policy_name + ("" if isinstance(request.policy, str) else " (inline)")
    lines = [
        f"**{request.use_case}** · {request.subject} · risk {request.risk_tier.value}",
        f"requested by {request.requester} under policy {policy}",
        f"model {request.model.name} {request.model.version}, confidence {request.confidence:.2f}",
    ]
    return _fit("\n\n".join(lines), DETAILS_BYTES)


def current_details(state: DecisionState) -> str:
    status = state.status.value.replace("_", " ")
    if state.outcome is not None and state.outcome.decided_by:
        return _fit(f"**{status}** by {', '.join(state.outcome.decided_by)}", DETAILS_BYTES)
    if state.stage is None or state.status.is_final:
        return f"**{status}**"
    waiting = ", ".join(state.waiting_on) or "nobody"
    return _fit(f"**{status}** — stage {state.stage.name}, waiting on {waiting}", DETAILS_BYTES)


def _fit(text: str, limit: int) -> str:
    """``text``, cut short with an ellipsis if its JSON form is over ``limit`` bytes."""
    if _size(text) <= limit:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if _size(text[:middle] + "…") <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def _size(text: str) -> int:
    return len(json.dumps(text).encode())
