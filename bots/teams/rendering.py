"""Which card each person sees in Teams, and the activity that carries it.

Teams shows one message to everyone, so the posted card is what anyone may do (while a
decision is pending: nothing but read it; after the outcome: give feedback) and names,
in ``refresh.userIds`` (by their Teams user MRIs), the people who may do more. Their
Teams client asks the bot for their own card (a ``refresh`` invoke) and gets
:func:`personal_card`, with exactly the buttons
:func:`signoff.core.card_view.actions_for` allows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signoff.bots.teams.adaptive_card import approval_card
from signoff.core.card_view import NOBODY, actions_for, card_view
from signoff.core.models import ActionKind, DecisionState, Directory

__all__ = [
    "ADAPTIVE_CARD",
    "card_activity",
    "personal_card",
    "refresh_candidates",
    "shared_card",
    "teams_id",
]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ANYONE = NOBODY
"""A viewer who is nobody in particular: not asked, not a manager, not the requester."""
EDIT_CHARS = 15_000
"""The Edit input is prefilled with the whole proposal up to this length (Teams caps a
card at about 28 KB)."""


def teams_id(directory: Directory, principal: str) -> str | None:
    person = directory.get(principal)
    return person.identities.get("teams") if person else None


def refresh_candidates(state: DecisionState) -> list[str]:
    """Who sees more on this card than anyone: those asked and those who may override."""
    common = actions_for(state, ANYONE)
    candidates = [*state.waiting_on, *state.plan.overriders]
    return [p for p in dict.fromkeys(candidates) if actions_for(state, p) != common]


def shared_card(
    state: DecisionState, directory: Directory, mris: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The card everyone in a conversation sees, refreshed for those who may act and
    whose Teams user MRI is in ``mris`` (principal -> MRI; see ``members``)."""
    known = mris or {}
    refresh = [known[p] for p in refresh_candidates(state) if p in known]
    return approval_card(
        card_view(state), actions=actions_for(state, ANYONE), refresh_user_ids=refresh
    )


def personal_card(
    state: DecisionState,
    directory: Directory,
    viewer: str,
    *,
    viewer_mri: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The card as ``viewer`` sees it: their buttons, and ``notice`` (e.g. why their
    click was refused) on top; refreshed for them when their MRI is known."""
    actions = actions_for(state, viewer)
    view = card_view(state, proposal_chars=EDIT_CHARS if ActionKind.EDIT in actions else 600)
    return approval_card(
        view,
        actions=actions,
        refresh_user_ids=[viewer_mri] if viewer_mri else [],
        people=_delegates(state, directory, viewer) if ActionKind.DELEGATE in actions else [],
        notice=notice,
    )


def card_activity(state: DecisionState, card: dict[str, Any]) -> dict[str, Any]:
    """A message carrying ``card``; final decisions also get Teams' own feedback loop
    (thumbs under the message), which the bot turns into the same feedback."""
    activity: dict[str, Any] = {
        "type": "message",
        "summary": f"{state.request.title} — {card_view(state).status_words}",
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
    }
    if state.status.is_final:
        activity["channelData"] = {"feedbackLoopEnabled": True}
    return activity


def _delegates(state: DecisionState, directory: Directory, viewer: str) -> list[tuple[str, str]]:
    """Whom ``viewer`` may hand their vote to: not themselves, not someone already
    asked, not the requester under separation of duties."""
    excluded = {viewer, *(state.stage.asked if state.stage else [])}
    if state.plan.policy.separation_of_duties:
        excluded.add(state.request.requester)
    return [(p.id, p.name) for p in directory.people if p.id not in excluded]
