"""The web console at ``/console``: people sign in with the operator's OpenID Connect
provider and see what asks them, each decision as the same explainable card chat shows,
approve or reject it, and read a decision's audit timeline; pages update live.

Server-rendered (Jinja2), readable without JavaScript; a little plain JavaScript, packaged
here, only makes the inbox live. Its routes stay out of the OpenAPI document, which is
the API's.
"""

from __future__ import annotations

from fastapi import APIRouter

from signoff.server.console import actions, assets, decision_page, inbox, live, signin

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)
for part in (signin, inbox, actions, decision_page, live, assets):
    router.include_router(part.router)
