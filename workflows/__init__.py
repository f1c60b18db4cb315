"""Signoff's deterministic Temporal workflows.

Names resolve on first use: the workflow sandbox re-imports a workflow's module, and its
packages, for every run, so the package itself imports nothing. The client and the bots
talk to these workflows through :mod:`signoff.core.contract`, not by importing them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signoff.workflows.decision import DecisionWorkflow
    from signoff.workflows.monitor import MonitorWorkflow
    from signoff.workflows.outcome_report import OutcomeReportWorkflow
    from signoff.workflows.policy_change import CircuitBreakerWorkflow, PolicyChangeWorkflow
    from signoff.workflows.refusal_audit import RefusalAuditWorkflow

_HOMES = {
    "CircuitBreakerWorkflow": "signoff.workflows.policy_change",
    "DecisionWorkflow": "signoff.workflows.decision",
    "MonitorWorkflow": "signoff.workflows.monitor",
    "OutcomeReportWorkflow": "signoff.workflows.outcome_report",
    "PolicyChangeWorkflow": "signoff.workflows.policy_change",
    "RefusalAuditWorkflow": "signoff.workflows.refusal_audit",
}

__all__ = [
    "CircuitBreakerWorkflow",
    "DecisionWorkflow",
    "MonitorWorkflow",
    "OutcomeReportWorkflow",
    "PolicyChangeWorkflow",
    "RefusalAuditWorkflow",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'signoff.workflows' has no attribute {name!r}")
