"""Signoff's deterministic Temporal workflows."""

from workflows.decision import DecisionWorkflow
from workflows.inputs import (
    DecisionCarry,
    DecisionWorkflowInput,
    RefusalAuditInput,
    outcome_signal,
    workflow_id_for,
)
from workflows.refusal import RefusalAuditWorkflow

__all__ = [
    "DecisionCarry",
    "DecisionWorkflow",
    "DecisionWorkflowInput",
    "RefusalAuditInput",
    "RefusalAuditWorkflow",
    "outcome_signal",
    "workflow_id_for",
]
