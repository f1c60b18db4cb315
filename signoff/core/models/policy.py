"""How a use case is reviewed: routing, stages, quorum, timers and the learning loop.

Approver references are principal ids (``alice``), groups (``group:risk-team``) or roles
(``role:manager``); they are resolved against the people directory once, when a
decision starts, so a decision in flight is not changed by a later directory edit.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from signoff.core.models._types import Duration, NonEmptyStr, RiskTier


class AutonomyLevel(StrEnum):
    """How much the AI may do on its own.

    shadow: people decide; the AI's proposal is only recorded for comparison.
    suggest: people decide with the AI's proposal in front of them.
    auto_low_risk: the AI decides when the auto-approve rule allows, people otherwise.
    autonomous: the AI decides unless a guardrail flag is raised.
    """

    SHADOW = "shadow"
    SUGGEST = "suggest"
    AUTO_LOW_RISK = "auto_low_risk"
    AUTONOMOUS = "autonomous"

    @property
    def rank(self) -> int:
        """Least to most the AI may do alone."""
        return list(AutonomyLevel).index(self)


class TimeoutAction(StrEnum):
    ESCALATE = "escalate"
    APPROVE = "approve"
    REJECT = "reject"
    EXPIRE = "expire"


class ReasonRequired(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    REQUEST_CHANGES = "request_changes"
    ESCALATE = "escalate"
    DELEGATE = "delegate"
    OVERRIDE = "override"
    CANCEL = "cancel"


class Quorum(BaseModel):
    """How many answers a stage needs: the first, all, or N of the M asked."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["first", "all", "n_of_m"] = "first"
    n: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _n_matches_kind(self) -> Quorum:
        if self.kind == "n_of_m" and self.n is None:
            raise ValueError("quorum kind 'n_of_m' needs n")
        if self.kind != "n_of_m" and self.n is not None:
            raise ValueError(f"quorum kind '{self.kind}' takes no n")
        return self


class Stage(BaseModel):
    """One level of review; stages run in order and escalate to the next."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmptyStr
    approvers: list[NonEmptyStr] = Field(min_length=1)
    quorum: Quorum = Field(default_factory=Quorum)
    reminders: list[Duration] = Field(default_factory=list)
    sla: Duration | None = None
    on_timeout: TimeoutAction = TimeoutAction.ESCALATE

    @model_validator(mode="after")
    def _timers_fit(self) -> Stage:
        if any(r <= timedelta(0) for r in self.reminders):
            raise ValueError("reminders must be positive durations")
        if self.sla is not None:
            if self.sla <= timedelta(0):
                raise ValueError("sla must be a positive duration")
            late = [r for r in self.reminders if r >= self.sla]
            if late:
                raise ValueError("every reminder must come before the sla")
        return self


class AutoApproveRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    max_risk: RiskTier = RiskTier.LOW
    blocking_flags: list[str] = Field(default_factory=list)


class GroundTruthSettings(BaseModel):
    """How expert labels become ground truth: k agreeing experts, else adjudication."""

    model_config = ConfigDict(extra="forbid")

    experts: list[NonEmptyStr] = Field(default_factory=lambda: ["role:expert"])
    agreeing_experts: int = Field(default=1, ge=1)
    adjudicators: list[NonEmptyStr] = Field(default_factory=lambda: ["role:manager"])


class ChannelTarget(BaseModel):
    """Where cards go: a channel kind (``console``, ``webhook``, ``slack``, ``teams``),
    an optional shared destination (a Slack channel id, a Teams channel), and whether
    each approver also gets a direct message."""

    model_config = ConfigDict(extra="forbid")

    kind: NonEmptyStr
    destination: str | None = None
    direct_messages: bool = False


class ReviewPolicy(BaseModel):
    """The rules a decision is reviewed by."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._\-]+$")
    description: str | None = None
    autonomy: AutonomyLevel = AutonomyLevel.SUGGEST
    auto_approve: AutoApproveRule = Field(default_factory=AutoApproveRule)
    qa_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    stages: list[Stage] = Field(min_length=1)
    separation_of_duties: bool = True
    allow_edits: bool = True
    reason_required: list[ReasonRequired] = Field(
        default_factory=lambda: [
            ReasonRequired.REJECT,
            ReasonRequired.REQUEST_CHANGES,
            ReasonRequired.OVERRIDE,
        ]
    )
    overriders: list[NonEmptyStr] = Field(default_factory=lambda: ["role:manager"])
    owners: list[NonEmptyStr] = Field(default_factory=list)
    """Who signs off a change of this policy's autonomy or auto-approve threshold, and
    hears of its alarms; none named, its overriders do."""
    expires_after: Duration | None = None
    feedback_window: Duration = timedelta(days=7)
    ground_truth: GroundTruthSettings = Field(default_factory=GroundTruthSettings)
    channels: list[ChannelTarget] = Field(default_factory=lambda: [ChannelTarget(kind="console")])

    @model_validator(mode="after")
    def _unique_stages(self) -> ReviewPolicy:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError("stage names must be unique")
        return self


class PolicyFloor(BaseModel):
    """What no policy may go below, set by the operator beside the catalog's policies
    (``floor:`` in the policies file): inline policies included, whoever submits them."""

    model_config = ConfigDict(extra="forbid")

    separation_of_duties: bool = True
    """Every policy keeps requesters from signing off their own decisions."""
    max_autonomy: dict[RiskTier, AutonomyLevel] = Field(default_factory=dict)
    """The most autonomy a policy may give the AI, per risk tier of the decision."""

    def violation(self, policy: ReviewPolicy, risk_tier: RiskTier) -> str | None:
        """Why ``policy`` goes below the floor for a decision of ``risk_tier``, or None."""
        standing = self.standing_violation(policy)
        if standing is not None:
            return standing
        ceiling = self.max_autonomy.get(risk_tier)
        if ceiling is not None and policy.autonomy.rank > ceiling.rank:
            return (
                f"policy {policy.name!r} gives the AI {policy.autonomy.value} autonomy; the floor"
                f" allows at most {ceiling.value} for {risk_tier.value}-risk decisions"
            )
        return None

    def ceiling_violation(self, name: str, autonomy: AutonomyLevel) -> str | None:
        """Why moving policy ``name`` to ``autonomy`` (for every risk tier, as the
        autonomy ladder does) goes above the floor, or None."""
        for tier, ceiling in self.max_autonomy.items():
            if autonomy.rank > ceiling.rank:
                return (
                    f"the floor allows at most {ceiling.value} for {tier.value}-risk"
                    f" decisions; {name!r} cannot be moved to {autonomy.value}"
                )
        return None

    def standing_violation(self, policy: ReviewPolicy) -> str | None:
        """Why ``policy`` goes below the floor whatever the decision (checked when the
        catalog loads), or None."""
        if self.separation_of_duties and not policy.separation_of_duties:
            return (
                f"policy {policy.name!r} turns off separation of duties, which the floor requires"
            )
        return None
