"""``POST /console/decisions/{id}/edit``: an edit shown before it is sent, side by side
with the proposal it replaces, under the same action id as the form it came from; the
page's form sends it (to ``/actions``) or takes it back for another change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from signoff.server.console.actions import ACTION_ID, FORM_EXPIRED, NOT_A_FORM
from signoff.server.console.diff import side_by_side
from signoff.server.console.rendering import (
    page,
    readable_state,
    sign_in_redirect,
)
from signoff.server.console.session import cookies_for, read_form, signed_in
from signoff.server.console.signin import safe_next
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]


@router.post("/decisions/{decision_id}/edit")
async def preview(decision_id: str, request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    cookies = cookies_for(ctx)
    if who is None or cookies is None:
        return sign_in_redirect(request)
    person, session = who
    fields = await read_form(request)
    back = safe_next(fields.get("back"))
    edited = (fields.get("edited_text") or "").replace("\r\n", "\n")
    problem = None
    if not session.csrf_matches(fields.get("csrf")):
        problem = FORM_EXPIRED
    elif not ACTION_ID.match(fields.get("action_id", "")) or not edited.strip():
        problem = NOT_A_FORM
    if problem is not None:
        response = RedirectResponse(back, status_code=303)
        cookies.keep_session(response, request, session.with_notice(problem))
        return response
    state = await readable_state(request, ctx, person, session, decision_id, "edit")
    if isinstance(state, Response):
        return state
    proposal = state.request.proposal.text or ""
    return page(
        request,
        "edit_preview.html",
        person=person,
        session=session,
        decision_id=decision_id,
        title=state.request.title,
        rows=side_by_side(proposal, edited),
        unchanged=proposal == edited,
        edited_text=edited,
        reason=(fields.get("reason") or "").strip(),
        action_id=fields["action_id"],
        seen_stage=fields.get("seen_stage", ""),
        back=back,
    )
