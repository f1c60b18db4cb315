"""The side effects decision workflows ask for."""

from signoff.activities.deliver_outcome import DeliveryActivities
from signoff.activities.drift_monitor import MonitorActivities, MonitorComputeInput
from signoff.activities.inputs import (
    AuditRecordInput,
    CardPublishInput,
    OutcomeDeliverInput,
    PeopleInput,
    PlanResolveInput,
    PreviousRunInput,
    RoutingChangeInput,
)
from signoff.activities.ladder import LadderActivities
from signoff.activities.publish_cards import CardActivities
from signoff.activities.record_audit import AuditActivities
from signoff.activities.record_outcome import OutcomeActivities
from signoff.activities.resolve_plan import PlanningActivities

__all__ = [
    "AuditActivities",
    "AuditRecordInput",
    "CardActivities",
    "CardPublishInput",
    "DeliveryActivities",
    "LadderActivities",
    "MonitorActivities",
    "MonitorComputeInput",
    "OutcomeActivities",
    "OutcomeDeliverInput",
    "PeopleInput",
    "PlanResolveInput",
    "PlanningActivities",
    "PreviousRunInput",
    "RoutingChangeInput",
]
