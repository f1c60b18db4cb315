"""Which search attributes a decision's state implies, and which of them changed."""

from __future__ import annotations

from temporalio.common import SearchAttributeUpdate

from signoff.core import search_attributes as search
from signoff.core.models import DecisionState


def search_updates(
    state: DecisionState, previous: dict[str, object]
) -> tuple[list[SearchAttributeUpdate], dict[str, object]]:
    """Return the updates for values that changed since ``previous``, and the new values,
    so a workflow writes a history event only when something differs."""
    salt = state.plan.search_salt
    current: dict[str, object] = {
        search.STATUS.name: state.status.value,
        search.USE_CASE.name: state.request.use_case,
        search.RISK_TIER.name: state.request.risk_tier.value,
        search.MODEL_VERSION.name: state.request.model.version,
        search.STAGE.name: state.stage.name if state.stage else "",
        search.PENDING_APPROVERS.name: [search.search_token(salt, p) for p in state.waiting_on],
    }
    updates = [
        key.value_set(current[key.name])  # type: ignore[arg-type]
        for key in search.ALL_KEYS
        if previous.get(key.name) != current[key.name]
    ]
    return updates, current
