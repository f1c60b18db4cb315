"""Applying a person's actions from any chat, and what to tell them when it fails."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from signoff.client.signoff_client import SignoffClient
from signoff.core import messages
from signoff.core.errors import ActionPending, ActionRefused, DecisionFailed, DecisionNotFound
from signoff.core.models import Action
from signoff.core.tracing import about, tracer

log = logging.getLogger(__name__)


async def act(
    client: SignoffClient, decision_id: str, actions: Sequence[Action], *, not_found: str
) -> str | None:
    """Apply ``actions`` in order; what to show the person (a refusal, that Temporal is
    still recording it, or ``not_found`` with ``{decision_id}`` when the decision is
    gone), else None."""
    try:
        via = actions[0].via if actions else "chat"
        with (
            tracer.start_as_current_span(
                f"signoff.{via}.action", attributes={"signoff.actions": len(actions)}
            ),
            about(decision_id),
        ):
            for action in actions:
                await client.act(decision_id, action)
    except (ActionRefused, ActionPending) as answer:
        return answer.message
    except DecisionNotFound:
        return not_found.format(decision_id=decision_id)
    except DecisionFailed as failed:
        return str(failed)
    except Exception:  # Temporal failed in a way nobody foresaw: tell them, never crash
        log.exception("an action on %s from chat could not be applied", decision_id)
        return messages.ACTION_FAILED
    return None
