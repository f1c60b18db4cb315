"""Who each person is to Teams: their user MRI (``29:…``).

A card's ``refresh.userIds`` takes user MRIs, not Microsoft Entra object ids (Teams'
"Work with Universal Actions for Adaptive Cards", "User IDs in refresh"): a card naming
AAD ids is refreshed for nobody, and approvers never see their buttons. The directory
knows people by AAD object id, so Signoff learns each MRI and keeps it in the store
beside the conversation references, under ``member:<AAD object id>``: from ``from``
whenever a person writes or clicks (Teams sends ``id`` and ``aadObjectId`` together),
from ``membersAdded`` when they join a conversation with the bot, and, for someone not
heard from yet, from the conversation's roster (the channel asks the connector).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from signoff.bots.teams.conversations import CHANNEL, ConversationBook
from signoff.core.models import Directory

__all__ = ["Member", "accounts_in", "member_key", "mris_of"]

USER_MRI_PREFIX = "29:"  # a Teams user; bots are 28:


class Member(BaseModel):
    """One person as Teams knows them."""

    mri: str
    aad_object_id: str

    @classmethod
    def of(cls, account: Any) -> Member | None:
        """A Teams user from a channel account (``from``, a ``membersAdded`` entry or a
        roster entry), or None for a bot, an account without an AAD id, or no account."""
        if not isinstance(account, Mapping):
            return None
        mri, aad = account.get("id"), account.get("aadObjectId")
        if not isinstance(mri, str) or not mri.startswith(USER_MRI_PREFIX):
            return None
        if not isinstance(aad, str) or not aad:
            return None
        return cls(mri=mri, aad_object_id=aad)


def member_key(aad_object_id: str) -> str:
    return f"member:{aad_object_id}"


def accounts_in(activity: Mapping[str, Any]) -> list[Member]:
    """The Teams users an inbound activity names: its sender and anyone it says joined."""
    added = activity.get("membersAdded")
    accounts = [activity.get("from"), *(added if isinstance(added, list) else [])]
    return [member for account in accounts if (member := Member.of(account)) is not None]


async def mris_of(
    book: ConversationBook, directory: Directory, principals: Sequence[str]
) -> dict[str, str]:
    """principal -> MRI, for those of ``principals`` whose MRI Signoff has learned."""
    found: dict[str, str] = {}
    for principal in dict.fromkeys(principals):
        person = directory.get(principal)
        aad = person.identities.get("teams") if person else None
        stored = await book.conversation(CHANNEL, member_key(aad)) if aad else None
        if stored is not None:
            found[principal] = Member.model_validate(stored).mri
    return found
