"""The people directory: who exists, which groups and roles they hold, and how each
chat channel identifies them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signoff.core.models._types import NonEmptyStr, PrincipalId


class Role(StrEnum):
    APPROVER = "approver"
    MANAGER = "manager"
    EXPERT = "expert"
    AUDITOR = "auditor"
    REQUESTER = "requester"
    POLICY_AUTHOR = "policy_author"
    """May submit a decision with an inline policy (within the operator's floor)."""
    ADMIN = "admin"
    """Manages applications' API keys over HTTP (``/api/v1/api-keys``); acts on no
    decision by that role alone."""


class Principal(BaseModel):
    """A person. ``identities`` maps a channel to that channel's id for them, e.g.
    ``{"slack": "U024BE7LH", "teams": "29:1a-aad-object-id"}``."""

    model_config = ConfigDict(extra="forbid")

    id: PrincipalId
    name: NonEmptyStr
    email: str | None = None
    roles: list[Role] = Field(default_factory=list)
    groups: list[NonEmptyStr] = Field(default_factory=list)
    identities: dict[str, str] = Field(default_factory=dict)


class Directory(BaseModel):
    """All principals; resolves approver references (``id``, ``group:x``, ``role:y``)."""

    model_config = ConfigDict(extra="forbid")

    people: list[Principal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Directory:
        seen: set[str] = set()
        for person in self.people:
            if person.id in seen:
                raise ValueError(f"principal id '{person.id}' appears twice")
            seen.add(person.id)
        return self

    def get(self, principal_id: str) -> Principal | None:
        return next((p for p in self.people if p.id == principal_id), None)

    def by_identity(self, channel: str, channel_user_id: str) -> Principal | None:
        return next(
            (p for p in self.people if p.identities.get(channel) == channel_user_id),
            None,
        )

    def by_email(self, email: str) -> Principal | None:
        wanted = email.strip().lower()
        return next((p for p in self.people if p.email and p.email.lower() == wanted), None)

    def resolve(self, references: list[str]) -> list[str]:
        """Expand references into principal ids, keeping order and dropping repeats.

        Raises:
            ValueError: a reference names nobody, so a stage could never be answered.
        """
        resolved: list[str] = []
        for ref in references:
            if ref.startswith("group:"):
                ids = [p.id for p in self.people if ref[6:] in p.groups]
            elif ref.startswith("role:"):
                ids = [p.id for p in self.people if ref[5:] in p.roles]
            else:
                ids = [ref] if self.get(ref) else []
            if not ids:
                raise ValueError(f"{ref!r} matches nobody in the directory")
            resolved.extend(i for i in ids if i not in resolved)
        return resolved
