"""The web console at ``/console``: people sign in with the operator's OpenID Connect
provider and see what asks them, each decision as the same explainable card chat shows,
act on it as chat's buttons do (approve, reject, edit with a diff, request changes,
escalate, delegate, comment), read a decision's audit timeline; managers work through
escalations and override, auditors search, export and verify the trail; pages update
live.

Server-rendered (Jinja2), readable without JavaScript; a little plain JavaScript, packaged
here, only makes the inbox live. Its routes stay out of the OpenAPI document, which is
the API's.
"""

from __future__ import annotations

from fastapi import APIRouter

from signoff.server.console import (
    actions,
    assets,
    audit_page,
    decision_page,
    edit_preview,
    escalations,
    inbox,
    live,
    signin,
)

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
for part in (
    signin,
    inbox,
    actions,
    edit_preview,
    decision_page,
    escalations,
    audit_page,
    live,
    assets,
):
    router.include_router(part.router)
