"""``POST /console/decisions/{id}/actions``: a card's form, applied exactly as the API's
``POST /api/v1/decisions/{id}/actions`` applies a person's action
(:func:`signoff.server.decisions_api.act_as`): as the signed-in person, vouched for by
this server's surface key, under the action id the form was drawn with, so sending the
same form twice applies it once.

The form carries the session's CSRF token; what became of the action (the decision's
answer, or its refusal in the words chat shows) is said once on the page it returns to.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from signoff.core.errors import ActionPending, ActionRefused, DecisionNotFound
from signoff.server.auth import Caller
from signoff.server.console.rendering import (
    FORM_KINDS,
    failure_page,
    not_found_page,
    sign_in_redirect,
)
from signoff.server.console.session import cookies_for, read_form, signed_in
from signoff.server.console.signin import safe_next
from signoff.server.context import ServerContext, context
from signoff.server.decisions_api import act_as
from signoff.server.problems import ApiProblem

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

ACTION_ID = re.compile(r"^web-[0-9a-f]{32}$")
FORM_EXPIRED = "This form has expired; reload the page and try again."
NOT_A_FORM = "This is not a form the console drew; reload the page and try again."


@router.post("/decisions/{decision_id}/actions")
async def act(decision_id: str, request: Request, ctx: Ctx) -> Response:
    who = signed_in(request, ctx)
    cookies = cookies_for(ctx)
    if who is None or cookies is None:
        return sign_in_redirect(request)
    person, session = who
    fields = await read_form(request)
    back = safe_next(fields.get("back"))
    if not session.csrf_matches(fields.get("csrf")):
        notice = FORM_EXPIRED
    elif fields.get("kind") not in FORM_KINDS or not ACTION_ID.match(fields.get("action_id", "")):
        notice = NOT_A_FORM
    else:
        action = {"kind": fields["kind"], "reason": fields.get("reason", "").strip() or None}
        if (seen := fields.get("seen_stage", "")).isdigit():
            action["seen_stage"] = int(seen)
        try:
            result = await act_as(
                ctx, Caller(person=person), decision_id, action, fields["action_id"]
            )
            notice = result.message
        except (ActionRefused, ActionPending) as answer:
            notice = answer.message  # the sentence chat shows for the same refusal
        except ApiProblem as problem:
            notice = problem.detail
        except DecisionNotFound:
            return not_found_page(request, person, session)
        except Exception as exc:
            return failure_page(request, ctx, exc, person, session)
    response = RedirectResponse(back, status_code=303)
    cookies.keep_session(response, request, session.with_notice(notice))
    return response
