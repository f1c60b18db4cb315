"""Applying a person's actions from any chat, and what to tell them when it fails."""

from __future__ import annotations

from collections.abc import Sequence

from signoff.client.signoff_client import SignoffClient
from signoff.core.errors import ActionRefused, DecisionNotFound
from signoff.core.models import Action


async def act(
    client: SignoffClient, decision_id: str, actions: Sequence[Action], *, not_found: str
) -> str | None:
    """Apply ``actions`` in order; the refusal to show the person, or ``not_found`` (with
    ``{decision_id}``) when the decision is gone, else None."""
    try:
        for action in actions:
            await client.act(decision_id, action)
    except ActionRefused as refused:
        return refused.message
    except DecisionNotFound:
        return not_found.format(decision_id=decision_id)
    return None
