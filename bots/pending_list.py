"""``pending``: what waits for a person, answered the same way in Slack and Teams, each
line in its own chat's markup."""

from __future__ import annotations

from signoff.client.signoff_client import SignoffClient
from signoff.core import messages


async def pending_list(client: SignoffClient, principal: str, *, line: str) -> str:
    """The decisions waiting for ``principal``, one ``line`` (a format with
    ``decision_id``, ``use_case``, ``risk_tier`` and ``stage``) each."""
    waiting = await client.pending(principal)
    if not waiting:
        return messages.NOTHING_PENDING
    lines = [
        line.format(
            decision_id=d.decision_id, use_case=d.use_case, risk_tier=d.risk_tier, stage=d.stage
        )
        for d in waiting
    ]
    return "\n".join([messages.PENDING_HEADING, *lines])
