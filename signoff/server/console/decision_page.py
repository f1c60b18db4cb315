"""``/console/decisions/{id}``: one decision's card, who was asked at each stage and
when, the votes, the cards sent to chat, its feedback and ground truth, a link to its
workflow in Temporal's Web UI, and its audit timeline from the store with whether its
chain verifies.

A person sees only decisions that involve them (:func:`may_read`); any other id gets the
same not-found page as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from signoff.adapters.notary import Anchor
from signoff.core.contract import workflow_id_for
from signoff.core.models import ChainedEvent, DecisionState, VerifyReport
from signoff.core.settings import Settings
from signoff.core.text import fit
from signoff.server.console.diff import DiffRow, side_by_side
from signoff.server.console.rendering import (
    card,
    failure_page,
    page,
    readable_state,
    sign_in_redirect,
)
from signoff.server.console.session import cookies_for, signed_in
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

SHOWN_FIELDS = (
    "verdict",
    "reason",
    "message",
    "code",
    "status",
    "stage_name",
    "asked",
    "delegate_to",
    "to",
    "text",
    "edited_text",
    "label",
    "source",
    "happened_at",
    "thumb",
    "action",
    "key_id",
    "app",
    "counted",
)
"""What a timeline row shows of an event's data, when the event has it."""
SHOWN_CHARS = 300


@dataclass(frozen=True)
class Verification:
    held: bool
    sentence: str
    broken_seq: int | None = None
    """The first event of this decision found broken, marked in its timeline."""


def verification(report: VerifyReport) -> Verification:
    if report.breaks or report.log_problems:
        found = report.breaks[0] if report.breaks else None
        where = f" at event {found.seq}" if found and found.seq else ""
        problem = found.problem if found else report.log_problems[0]
        return Verification(False, f"Broken{where}: {problem}", found.seq if found else None)
    sentence = f"Intact: {report.events_checked} events verified along the hash chain"
    if report.anchored:
        return Verification(
            True, f"{sentence} and against {report.signed_heads_checked} signed heads."
        )
    return Verification(
        True,
        f"{sentence}, against the database alone: there is no audit keyring to check signed"
        " heads with.",
    )


def event_details(event: ChainedEvent) -> list[tuple[str, str]]:
    details = [
        (name, _shown(event.data[name]))
        for name in SHOWN_FIELDS
        if event.data.get(name) is not None
    ]
    vouch = event.data.get("vouch")
    if isinstance(vouch, dict) and vouch.get("surface"):
        details.append(("vouched by", str(vouch["surface"])))
    return details


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return fit(str(value), SHOWN_CHARS)  # the whole of it is in the export


def workflow_url(settings: Settings, decision_id: str) -> str | None:
    """The decision's workflow in the Temporal Web UI, when its address is configured."""
    if not settings.temporal_ui_url:
        return None
    base = settings.temporal_ui_url.rstrip("/")
    workflow = quote(workflow_id_for(decision_id), safe="")
    return f"{base}/namespaces/{quote(settings.temporal_namespace, safe='')}/workflows/{workflow}"


def edit_rows(state: DecisionState) -> list[DiffRow] | None:
    """The edit that stands, side by side with the proposal it replaced."""
    edit = state.edit
    if edit is None or edit.text is None:
        return None
    return side_by_side(state.request.proposal.text or "", edit.text)


@router.get("/decisions/{decision_id}", name="console_decision")
async def decision(decision_id: str, request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, session = who
    state = await readable_state(request, ctx, person, session, decision_id)
    if isinstance(state, Response):
        return state
    try:
        events = await ctx.store.events(decision_id)
        report = await ctx.store.verify(decision_id, anchor=Anchor.for_settings(ctx.settings))
        posted = await ctx.store.cards(decision_id)
        feedback = await ctx.store.feedback(decision_id)
    except Exception as exc:
        return failure_page(request, ctx, exc, person, session)
    response = page(
        request,
        "decision.html",
        person=person,
        session=session,
        card=card(state, person, ctx.directory),
        stages=[*state.past_stages, *([state.stage] if state.stage else [])],
        events=[(event, event_details(event)) for event in events],
        verified=verification(report),
        edit_rows=edit_rows(state),
        posted=posted,
        feedback=feedback,
        workflow_url=workflow_url(ctx.settings, decision_id),
        notice=session.notice,
        back=request.url.path,
    )
    cookies = cookies_for(ctx)
    if session.notice and cookies is not None:
        cookies.keep_session(response, request, session.with_notice(None))
    return response
