"""Signoff's deterministic Temporal workflows.

Names resolve on first use: the workflow sandbox re-imports a workflow's module, and its
package, for every run, so the package itself imports nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.decision import DecisionWorkflow
    from workflows.inputs import (
        DecisionCarry,
        DecisionWorkflowInput,
        RefusalAuditInput,
        outcome_signal,
        workflow_id_for,
    )
    from workflows.refusal import RefusalAuditWorkflow

_HOMES = {
    "DecisionWorkflow": "workflows.decision",
    "RefusalAuditWorkflow": "workflows.refusal",
    "DecisionCarry": "workflows.inputs",
    "DecisionWorkflowInput": "workflows.inputs",
    "RefusalAuditInput": "workflows.inputs",
    "outcome_signal": "workflows.inputs",
    "workflow_id_for": "workflows.inputs",
}

__all__ = [
    "DecisionCarry",
    "DecisionWorkflow",
    "DecisionWorkflowInput",
    "RefusalAuditInput",
    "RefusalAuditWorkflow",
    "outcome_signal",
    "workflow_id_for",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'workflows' has no attribute {name!r}")
