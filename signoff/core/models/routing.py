"""How far a use case's AI may decide alone, as the learning loop moves it.

The operator's policy file owns a policy's stages, people and channels; the autonomy
ladder owns two fields of it, the autonomy level and the auto-approve confidence. Each
move of those is a numbered routing version kept in the store: up only when the
policy's owners approved a ``policy-change`` decision, down at once when the circuit
breaker trips (or an operator pulls it). Once a policy has a routing version, that
version's two fields win over the file's, so an edit of the file can never quietly undo
a demotion; every decision records the version that routed it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signoff.core.models.policy import AutonomyLevel, ReviewPolicy

PolicyName = Annotated[str, Field(min_length=1, max_length=100)]
Key = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._\-]+$")]
"""What names a proposal or an alarm: it goes into workflow ids, so a plain word."""
Reason = Annotated[str, Field(min_length=1, max_length=10_000)]
Principal = Annotated[str, Field(min_length=1, max_length=200)]


class RoutingOrigin(StrEnum):
    SIGN_OFF = "sign_off"
    """The policy's owners approved a policy-change decision."""
    CIRCUIT_BREAKER = "circuit_breaker"
    """A drift alarm or an override-rate spike demoted the use case."""
    OPERATOR = "operator"
    """An operator demoted it by hand (`signoff policy demote`)."""


class RoutingChange(BaseModel):
    """The two fields the ladder moves; None leaves a field as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    autonomy: AutonomyLevel | None = None
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _moves_something(self) -> RoutingChange:
        if self.autonomy is None and self.min_confidence is None:
            raise ValueError("a routing change sets the autonomy, the threshold, or both")
        return self

    def applied_to(self, policy: ReviewPolicy) -> ReviewPolicy:
        """``policy`` with this change's fields in place of its own."""
        rule = policy.auto_approve
        if self.min_confidence is not None:
            rule = rule.model_copy(update={"min_confidence": self.min_confidence})
        autonomy = self.autonomy if self.autonomy is not None else policy.autonomy
        return policy.model_copy(update={"autonomy": autonomy, "auto_approve": rule})

    def raises(self, policy: ReviewPolicy) -> bool:
        """Whether this gives the AI more than ``policy`` does: more autonomy, or
        automatic approval from a lower confidence."""
        more = self.autonomy is not None and self.autonomy.rank > policy.autonomy.rank
        lower = (
            self.min_confidence is not None
            and self.min_confidence < policy.auto_approve.min_confidence
        )
        return more or lower


class RoutingVersion(BaseModel):
    """One routing version of a policy, as the store keeps it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str
    version: int = Field(ge=1)
    change: RoutingChange
    """The fields in force from this version on (both, once any version exists)."""
    origin: RoutingOrigin
    reason: str
    decided_by: str | None = None
    """The policy-change decision that approved it, or the alarm that tripped it."""
    at: datetime

    @property
    def label(self) -> str:
        """How decisions name it in their ``policy_version``."""
        return f"r{self.version}"


class PolicyChangeProposal(BaseModel):
    """A proposed move of ``policy``'s routing, put to its owners as a decision.

    ``expected`` is the routing version the evidence was gathered under: if the policy
    has moved since (a demotion, say), the approved proposal is not applied.
    ``confidence`` is how sure the evidence is (1 - delta for a Learn-then-Test proposal).
    """

    model_config = ConfigDict(extra="forbid")

    policy: PolicyName
    change: RoutingChange
    reason: Reason
    requester: Principal
    expected: int = Field(ge=0)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    key: Key
    """Names the proposal: the same key proposes once."""

    @property
    def decision_id(self) -> str:
        """The policy-change decision that puts it to the owners."""
        return f"policy-change-{self.policy}-{self.key}"

    @property
    def workflow_id(self) -> str:
        """With a "/", which no decision id has, so it never names a decision's workflow."""
        return f"signoff/ladder-proposal/{self.policy}/{self.key}"


class PolicyChangeResult(BaseModel):
    decision_id: str
    approved: bool
    version: RoutingVersion | None = None
    """The version the approval put in force; None when rejected, or stale."""
    stale: bool = False
    """Approved, but the policy had moved past ``expected``: nothing was changed."""


class BreakerTrip(BaseModel):
    """A demotion to ``suggest`` now, and a proposal to the owners to restore."""

    model_config = ConfigDict(extra="forbid")

    policy: PolicyName
    origin: RoutingOrigin = RoutingOrigin.CIRCUIT_BREAKER
    reason: Reason
    alarm: Key
    """Names what tripped it (a monitor's alarm id): the same alarm trips once."""
    requester: Principal
    """Who the restore proposal is from (a directory principal)."""

    @property
    def workflow_id(self) -> str:
        """With a "/", which no decision id has, so it never names a decision's workflow."""
        return f"signoff/ladder-breaker/{self.policy}/{self.alarm}"

    @property
    def restore_key(self) -> str:
        return f"restore-{self.alarm}"


class Demotion(BaseModel):
    """What a demotion replaced, and the version it wrote."""

    before: RoutingChange
    after: RoutingVersion
