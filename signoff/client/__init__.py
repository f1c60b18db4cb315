"""The faces engineers use: :class:`SignoffClient` from any program, and
:func:`request_signoff` from inside their own workflow.

Names resolve on first use: ``request_signoff`` is imported inside the caller's workflow
sandbox, where the Temporal client must not be.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signoff.client.connection import connect_config, connect_temporal
    from signoff.client.decision_search import DecisionListing
    from signoff.client.in_workflow import request_signoff
    from signoff.client.signoff_client import SignoffClient, connect_client

_HOMES = {
    "DecisionListing": "signoff.client.decision_search",
    "connect_config": "signoff.client.connection",
    "connect_temporal": "signoff.client.connection",
    "SignoffClient": "signoff.client.signoff_client",
    "connect_client": "signoff.client.signoff_client",
    "request_signoff": "signoff.client.in_workflow",
}

__all__ = [
    "DecisionListing",
    "SignoffClient",
    "connect_client",
    "connect_config",
    "connect_temporal",
    "request_signoff",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'signoff.client' has no attribute {name!r}")
