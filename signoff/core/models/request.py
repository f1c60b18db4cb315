"""What an application submits: one AI decision that may need a human signature."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from signoff.core.models._types import (
    DecisionId,
    JsonObject,
    NonEmptyStr,
    PrincipalId,
    RiskTier,
    lone_surrogate,
)
from signoff.core.models.model_input import MAX_MODEL_INPUT_BYTES, ModelInput
from signoff.core.models.policy import ReviewPolicy

MAX_REQUEST_BYTES = 256 * 1024
"""The largest request a decision takes, as JSON. Temporal refuses a payload over 2 MB
and warns from 512 KB; a decision's start, its state query, its continue-as-new and its
audit all hold the request beside what people did, so a request keeps well under that."""


class Proposal(BaseModel):
    """The AI's output: free text, a structured payload, or both."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=100_000)
    payload: JsonObject | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Proposal:
        if self.text is None and self.payload is None:
            raise ValueError("a proposal needs text, a payload, or both")
        return self


class Source(BaseModel):
    """A document or record the AI relied on."""

    model_config = ConfigDict(extra="forbid")

    title: NonEmptyStr
    url: HttpUrl | None = None


class ModelInfo(BaseModel):
    """Which model and prompt produced the proposal (for audit and drift)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    name: NonEmptyStr
    version: NonEmptyStr = "unversioned"
    prompt_version: str | None = None


class DecisionRequest(BaseModel):
    """One AI decision submitted for sign-off.

    ``id`` is the idempotency key: submitting the same id twice starts one decision.
    ``policy`` names a policy from the worker's policy file, or carries one inline.
    ``notify_workflow_id`` is set by :func:`signoff.request_signoff` so the outcome and
    later overrides are signalled back to the calling workflow.
    """

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    id: DecisionId
    use_case: NonEmptyStr
    subject: NonEmptyStr
    title: NonEmptyStr
    proposal: Proposal
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str | None = Field(default=None, max_length=20_000)
    sources: list[Source] = Field(default_factory=list, max_length=50)
    model: ModelInfo
    risk_tier: RiskTier = RiskTier.MEDIUM
    segment: dict[str, str] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)
    known_limitations: list[str] = Field(default_factory=list)
    action_fingerprint: str | None = Field(default=None, max_length=200)
    requester: PrincipalId
    policy: str | ReviewPolicy
    metadata: JsonObject = Field(default_factory=dict)
    notify_workflow_id: str | None = None
    model_input: ModelInput | None = Field(
        default=None,
        # Left out of every dump while unset: a request without it serialises byte for
        # byte as before it existed, so submissions signed by older clients, recorded
        # histories and the audit trail's `submitted` events all read the same.
        exclude_if=lambda value: value is None,
        description=(
            "What the model was given (a prompt's text, or chat messages), kept so that"
            " `signoff export` can write training and evaluation data; optional, at most"
            f" {MAX_MODEL_INPUT_BYTES // 1024} KB as JSON, and passed through the operator's"
            " redaction hook before it is stored."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _unicode_text(cls, data: Any) -> Any:
        if (where := lone_surrogate(data)) is not None:
            raise ValueError(
                f"{where} holds a lone surrogate, which is not Unicode text; send the"
                " character whole (a pair of \\u escapes, or UTF-8)"
            )
        return data

    @property
    def policy_name(self) -> str:
        return self.policy if isinstance(self.policy, str) else self.policy.name

    def size_problem(self) -> str | None:
        """One sentence when this request is over :data:`MAX_REQUEST_BYTES`, else None."""
        size = len(self.model_dump_json().encode())
        if size <= MAX_REQUEST_BYTES:
            return None
        return (
            f"The request is {size / 1024:,.0f} KB; a decision's request may be at most"
            f" {MAX_REQUEST_BYTES // 1024} KB (Temporal's payload limit, with room for"
            " what people add) — store large inputs elsewhere and link them as sources."
        )

    def differences(self, other: DecisionRequest) -> list[str]:
        """The top-level fields in which ``other`` differs from this request."""
        mine, theirs = self.model_dump(mode="json"), other.model_dump(mode="json")
        return [name for name in mine if mine[name] != theirs.get(name)]
