"""Refusals of no decision, audited: whenever this server answers 403 to someone it
knows (a person signed in, an application's key), the refusal goes into the operations
trail (:mod:`signoff.server.operations_audit`). Refusals about a decision are audited
in that decision's own trail where they happen, and say so (``ApiProblem.audited``)."""

from __future__ import annotations

from fastapi import Request

from signoff.server.auth import Caller
from signoff.server.context import context
from signoff.server.problems import ApiProblem
from signoff.server.route_templates import route_template

VIA = "web"
MAX_ATTEMPTED = 200


def attempted(request: Request) -> str:
    """What was asked, as its route names it (``GET /api/v1/decisions/{decision_id}``):
    the route's template, so a caller cannot write what they like into the trail."""
    path = route_template(request.scope) or request.url.path
    return f"{request.method} {path}"[:MAX_ATTEMPTED]


async def audit_forbidden(request: Request, problem: ApiProblem) -> None:
    """Audit ``problem`` when it is a 403 to a known caller not audited already."""
    who = getattr(request.state, "caller", None)
    if problem.status != 403 or problem.audited or not isinstance(who, Caller):
        return
    await context(request).operations.denial(
        who.name, attempted=attempted(request), code=problem.code, message=problem.detail, via=VIA
    )
