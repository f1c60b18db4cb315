"""Signoff: durable human sign-off for AI decisions, on Temporal.

Start decisions with :class:`SignoffClient`, add Signoff to your own worker with
:class:`SignoffPlugin`, or call :func:`request_signoff` inside your own workflow.
"""

from typing import TYPE_CHECKING, Any

from signoff.errors import ActionRefused, DecisionNotFound, InvalidPolicyError, SignoffError
from signoff.models import (
    Action,
    ActionKind,
    ActionResult,
    DecisionRequest,
    DecisionState,
    ModelInfo,
    Outcome,
    Proposal,
    ReviewPolicy,
    RiskTier,
    Status,
)
from signoff.settings import Settings

if TYPE_CHECKING:
    from signoff.client import SignoffClient, connect_client
    from signoff.embedded import request_signoff
    from signoff.plugin import SignoffPlugin

_LAZY = {
    "SignoffClient": "signoff.client",
    "connect_client": "signoff.client",
    "request_signoff": "signoff.embedded",
    "SignoffPlugin": "signoff.plugin",
}


def __getattr__(name: str) -> Any:
    """The client, plugin and request_signoff pull in workflows, activities and
    adapters; importing them on first use keeps ``import signoff.models`` light and
    free of import cycles."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'signoff' has no attribute {name!r}")


__all__ = [
    "Action",
    "ActionKind",
    "ActionRefused",
    "ActionResult",
    "DecisionNotFound",
    "DecisionRequest",
    "DecisionState",
    "InvalidPolicyError",
    "ModelInfo",
    "Outcome",
    "Proposal",
    "ReviewPolicy",
    "RiskTier",
    "Settings",
    "SignoffClient",
    "SignoffError",
    "SignoffPlugin",
    "Status",
    "connect_client",
    "request_signoff",
]
