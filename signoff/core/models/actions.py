"""What people do to a decision; each is one Temporal Update on the decision workflow.

Every action carries ``action_id`` (the idempotency key: the same id is applied once)
and optionally ``seen_stage``, the stage the person's card showed, so a click on an
out-of-date card is refused instead of acting on a decision that has moved on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signoff.core.models._types import NonEmptyStr, PrincipalId


class Vouch(BaseModel):
    """A surface's signed word that it authenticated the action's actor (issue 10): the
    Slack bot (request signature and Slack user id), the Teams bot (Bot Framework token
    and Entra id), an operator's CLI key. What it signs:
    :func:`signoff.core.vouching.statement`."""

    model_config = ConfigDict(extra="forbid")

    surface: str = Field(min_length=1, max_length=100)
    key_id: str = Field(min_length=1, max_length=64)
    issued_at: datetime
    signature: str = Field(min_length=1, max_length=200)


class ActionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    REQUEST_CHANGES = "request_changes"
    ESCALATE = "escalate"
    DELEGATE = "delegate"
    COMMENT = "comment"
    OVERRIDE = "override"
    CANCEL = "cancel"
    THUMB = "thumb"
    CORRECTION = "correction"
    GROUND_TRUTH = "ground_truth"


STAGE_KINDS = frozenset(
    {
        ActionKind.APPROVE,
        ActionKind.REJECT,
        ActionKind.EDIT,
        ActionKind.REQUEST_CHANGES,
        ActionKind.ESCALATE,
        ActionKind.DELEGATE,
    }
)
"""Actions about the current stage: a card sends the stage it showed with them
(``seen_stage``), so a click on an out-of-date card is refused."""


class Action(BaseModel):
    """One person's action on one decision."""

    model_config = ConfigDict(extra="forbid")

    kind: ActionKind
    action_id: str = Field(min_length=1, max_length=200)
    actor: PrincipalId
    seen_stage: int | None = Field(default=None, ge=0)
    reason: str | None = Field(default=None, max_length=5_000)
    edited_text: str | None = Field(default=None, max_length=100_000)
    edited_payload: dict[str, Any] | None = None
    delegate_to: PrincipalId | None = None
    verdict: Literal["approve", "reject"] | None = None
    thumb: Literal["up", "down"] | None = None
    label: str | None = Field(default=None, max_length=500)
    via: str = "api"
    vouch: Vouch | None = None

    @classmethod
    def from_card(cls, kind: ActionKind, *, card_stage: int | None, **fields: Any) -> Action:
        """An action clicked on a card that showed stage ``card_stage``: only stage actions
        carry it, so feedback given after the outcome is never refused as out of date."""
        return cls(kind=kind, seen_stage=card_stage if kind in STAGE_KINDS else None, **fields)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Action:
        needs: dict[ActionKind, tuple[str, ...]] = {
            ActionKind.DELEGATE: ("delegate_to",),
            ActionKind.OVERRIDE: ("verdict",),
            ActionKind.THUMB: ("thumb",),
            ActionKind.GROUND_TRUTH: ("label",),
            ActionKind.COMMENT: ("reason",),
            ActionKind.CORRECTION: ("reason",),
        }
        for field in needs.get(self.kind, ()):
            if getattr(self, field) in (None, ""):
                raise ValueError(f"a '{self.kind}' action needs '{field}'")
        if self.kind is ActionKind.EDIT and (
            self.edited_text is None and self.edited_payload is None
        ):
            raise ValueError("an 'edit' action needs 'edited_text' or 'edited_payload'")
        return self


class ActionResult(BaseModel):
    """What the actor is told: the decision's status after their action."""

    decision_id: str
    action_id: str
    applied: bool
    duplicate: bool = False
    status: str
    message: NonEmptyStr
    actor: str | None = None
    """Who acted; None in results kept from before it was recorded."""
