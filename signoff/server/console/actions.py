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
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from signoff.core.errors import ActionPending, ActionRefused, DecisionNotFound
from signoff.core.models import ActionKind
from signoff.core.models.actions import STAGE_KINDS
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
MISSING = "Something the form asks for is missing; fill it in and send it again."
EXTRA_FIELDS = {
    ActionKind.EDIT: "edited_text",
    ActionKind.DELEGATE: "delegate_to",
    ActionKind.OVERRIDE: "verdict",
    ActionKind.COMMENT: "reason",
}
"""The field each kind cannot go without, beside the kind and the action id."""


def action_fields(fields: dict[str, str]) -> dict[str, Any] | None:
    """The action a console form describes, or None when it lacks what its kind needs."""
    kind = ActionKind(fields["kind"])
    action: dict[str, Any] = {"kind": kind.value, "reason": _text(fields.get("reason"))}
    if kind is ActionKind.EDIT:
        action["edited_text"] = (fields.get("edited_text") or "").replace("\r\n", "\n")
    elif kind is ActionKind.DELEGATE:
        action["delegate_to"] = _text(fields.get("delegate_to"))
    elif kind is ActionKind.OVERRIDE:
        verdict = fields.get("verdict")
        action["verdict"] = verdict if verdict in ("approve", "reject") else None
    needed = EXTRA_FIELDS.get(kind)
    if needed is not None and not action.get(needed):
        return None
    if kind in STAGE_KINDS and (seen := fields.get("seen_stage", "")).isdigit():
        action["seen_stage"] = int(seen)
    return action


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


@router.post("/decisions/{decision_id}/actions")
async def act(decision_id: str, request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
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
    elif (action := action_fields(fields)) is None:
        notice = MISSING
    else:
        try:
            result = await act_as(
                ctx, Caller(person=person), decision_id, action, fields["action_id"]
            )
            notice = result.message
        except (ActionRefused, ActionPending) as answer:
            notice = answer.message  # the sentence chat shows for the same refusal
        except ValueError:  # the action does not validate (a field too long, say)
            notice = NOT_A_FORM
        except ApiProblem as problem:
            notice = problem.detail
        except DecisionNotFound:
            return not_found_page(request, person, session)
        except Exception as exc:
            return failure_page(request, ctx, exc, person, session)
    response = RedirectResponse(back, status_code=303)
    cookies.keep_session(response, request, session.with_notice(notice))
    return response
