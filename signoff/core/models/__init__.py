"""Pydantic models at every boundary of Signoff."""

from signoff.core.models._types import Duration, RiskTier
from signoff.core.models.actions import STAGE_KINDS, Action, ActionKind, ActionResult
from signoff.core.models.audit_event import (
    AuditEvent,
    AuditKind,
    ChainBreak,
    ChainedEvent,
    VerifyReport,
)
from signoff.core.models.checkpoint import SignedHead
from signoff.core.models.directory import Directory, Principal, Role
from signoff.core.models.policy import (
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
from signoff.core.models.request import DecisionRequest, ModelInfo, Proposal, Source
from signoff.core.models.state import (
    DecisionPlan,
    DecisionState,
    DecisionSummary,
    Edit,
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
    "STAGE_KINDS",
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
    "Edit",
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
    "SignedHead",
    "Source",
    "Stage",
    "StageState",
    "Status",
    "TimeoutAction",
    "VerifyReport",
    "Vote",
]
