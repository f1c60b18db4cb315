"""The shape of what Teams posts to ``/api/messages``, checked before botbuilder reads it.

Teams always sends who wrote (``from``), to whom (``recipient``), where
(``conversation``, ``serviceUrl``) and through which channel; botbuilder and the bot
dereference all of them, so an activity without one, or with one of the wrong type,
would fail inside the turn (after the request was taken) instead of being refused. The
model checks only those fields and lets every other through untouched.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["activity_problem"]


class _Account(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    id: str
    aadObjectId: str | None = None  # the wire name


class _Conversation(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    id: str
    conversationType: str | None = None
    tenantId: str | None = None


class _Activity(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    type: str
    id: str | None = None
    channelId: str
    serviceUrl: str
    from_: _Account = Field(alias="from")
    recipient: _Account
    conversation: _Conversation
    channelData: dict[str, Any] | None = None
    membersAdded: list[_Account] | None = None
    name: str | None = None
    text: str | None = None
    replyToId: str | None = None


def activity_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with ``body`` as a Teams activity, in one sentence; None if nothing."""
    try:
        _Activity.model_validate(body)
    except ValidationError as err:
        problem = err.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]).replace("from_", "from")
        return f"the activity's '{where}' is not valid: {problem['msg']}"
    return None
