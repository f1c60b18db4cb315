"""The side effects decision workflows ask for."""

from activities.audit import AuditActivities
from activities.card_outbox import CardOutbox
from activities.cards import CardActivities
from activities.delivery import DeliveryActivities
from activities.inputs import (
    AuditRecordInput,
    CardPublishInput,
    OutcomeDeliverInput,
    PlanResolveInput,
)
from activities.planning import PlanningActivities

__all__ = [
    "AuditActivities",
    "AuditRecordInput",
    "CardActivities",
    "CardOutbox",
    "CardPublishInput",
    "DeliveryActivities",
    "OutcomeDeliverInput",
    "PlanResolveInput",
    "PlanningActivities",
]
