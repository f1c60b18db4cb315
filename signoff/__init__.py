"""Signoff: durable human sign-off for AI decisions, on Temporal.

Start decisions with :class:`SignoffClient`, add Signoff to your own worker with
:class:`SignoffPlugin`, or call :func:`request_signoff` inside your own workflow.

Every public name resolves on first use. The Temporal sandbox imports this package
again for each workflow run (it is the parent of ``signoff.workflows``), so it must cost
nothing and import nothing; and ``import signoff.core`` stays free of the layers above.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signoff.app.plugin import SignoffPlugin
    from signoff.client import SignoffClient, connect_client, request_signoff
    from signoff.core.errors import (
        ActionPending,
        ActionRefused,
        DecisionNotFound,
        InvalidPolicyError,
        SignoffError,
    )
    from signoff.core.models import (
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
    from signoff.core.settings import Settings

_HOMES = {
    **dict.fromkeys(
        [
            "ActionPending",
            "ActionRefused",
            "DecisionNotFound",
            "InvalidPolicyError",
            "SignoffError",
        ],
        "signoff.core.errors",
    ),
    **dict.fromkeys(
        [
            "Action",
            "ActionKind",
            "ActionResult",
            "DecisionRequest",
            "DecisionState",
            "ModelInfo",
            "Outcome",
            "Proposal",
            "ReviewPolicy",
            "RiskTier",
            "Status",
        ],
        "signoff.core.models",
    ),
    "Settings": "signoff.core.settings",
    "SignoffClient": "signoff.client",
    "connect_client": "signoff.client",
    "request_signoff": "signoff.client",
    "SignoffPlugin": "signoff.app.plugin",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'signoff' has no attribute {name!r}")


__all__ = [
    "Action",
    "ActionKind",
    "ActionPending",
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
