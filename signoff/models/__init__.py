"""Pydantic models at every boundary of Signoff."""

from signoff.models._types import Duration, RiskTier
from signoff.models.actions import Action, ActionKind, ActionResult
from signoff.models.audit import (
    AuditEvent,
    AuditKind,
    ChainBreak,
    ChainedEvent,
    VerifyReport,
)
from signoff.models.directory import Directory, Principal, Role
from signoff.models.policy import (
    AutoApproveRule,
    AutonomyLevel,
    ChannelTarget,
    GroundTruthSettings,
    Quorum,
    ReasonRequired,
    ReviewPolicy,
    Stage,
    TimeoutAction,
)
from signoff.models.request import DecisionRequest, ModelInfo, Proposal, Source
from signoff.models.state import (
    DecisionPlan,
    DecisionState,
    DecisionSummary,
    FeedbackState,
    GroundTruth,
    HistoryEntry,
    Outcome,
    Override,
    PlannedStage,
    StageState,
    Status,
    Vote,
)

__all__ = [
    "Action",
    "ActionKind",
    "ActionResult",
    "AuditEvent",
    "AuditKind",
    "AutoApproveRule",
    "AutonomyLevel",
    "ChainBreak",
    "ChainedEvent",
    "ChannelTarget",
    "DecisionPlan",
    "DecisionRequest",
    "DecisionState",
    "DecisionSummary",
    "Directory",
    "Duration",
    "FeedbackState",
    "GroundTruth",
    "GroundTruthSettings",
    "HistoryEntry",
    "ModelInfo",
    "Outcome",
    "Override",
    "PlannedStage",
    "Principal",
    "Proposal",
    "Quorum",
    "ReasonRequired",
    "ReviewPolicy",
    "RiskTier",
    "Role",
    "Source",
    "Stage",
    "StageState",
    "Status",
    "TimeoutAction",
    "Vote",
]
