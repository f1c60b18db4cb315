"""Turning views into HTML: the console's Jinja2 templates (packaged with it, escaped
by default), the cards they draw from :func:`signoff.core.card_view.card_view`, and the
pages every route may answer with (not found, unavailable)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from signoff.client.failure_sentences import FailureKind, describe
from signoff.core import messages
from signoff.core.card_view import CardView, actions_for, card_view
from signoff.core.contract import is_operations_chain
from signoff.core.models import ActionKind, DecisionState, Directory, Principal, Status
from signoff.core.policy.readers import involved, may_read
from signoff.core.text import utc_text
from signoff.server.auth import Caller
from signoff.server.console.session import Session
from signoff.server.context import ServerContext
from signoff.server.decisions_api import audit_denial
from signoff.server.denials import VIA, attempted
from signoff.server.problems import STATUS_OF

__all__ = [
    "Card",
    "card",
    "failure_page",
    "forbidden_page",
    "not_found_page",
    "page",
    "sign_in_redirect",
]

CARD_KINDS = (
    ActionKind.APPROVE,
    ActionKind.REJECT,
    ActionKind.EDIT,
    ActionKind.REQUEST_CHANGES,
    ActionKind.ESCALATE,
    ActionKind.DELEGATE,
)
"""What a card offers, each when the decision's rules would let this person do it now."""
FORM_KINDS = (*CARD_KINDS, ActionKind.COMMENT, ActionKind.OVERRIDE)
"""What the console's forms may send: a card's actions, a comment anyone it involves may
leave, and a manager's override from the escalations page."""
ALWAYS_ASKS_REASON = frozenset(
    {ActionKind.REJECT, ActionKind.REQUEST_CHANGES, ActionKind.ESCALATE, ActionKind.DELEGATE}
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " frame-ancestors 'none'; base-uri 'none'"
)
"""Only the console's own packaged assets run or style a page: user content that
slipped past escaping still could not run."""
COMMENT_LABEL = "Comment"
COMMENT_REASON_LABEL = "Your comment"
PREVIEW_EDIT = "Preview the edit"
AI_SUGGESTS = "AI suggests"
AI_DECIDED = "AI decided"
NOT_FOUND = "No such decision, or not one that involves you."


def chain_url(chain_id: str, seq: int | None = None) -> str:
    """Where a chain's events are read: a decision's page, or for an operations chain
    (which no decision page shows) the audit page searched on it."""
    if is_operations_chain(chain_id):
        return f"/console/audit?{urlencode({'decision_id': chain_id})}"
    anchor = f"#event-{seq}" if seq is not None else ""
    return f"/console/decisions/{quote(chain_id, safe='')}{anchor}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("signoff.server.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda moment: utc_text(moment)
    env.filters["iso"] = lambda moment: moment.isoformat() if isinstance(moment, datetime) else ""
    env.globals["labels"] = {**messages.ACTION_LABELS, ActionKind.COMMENT: COMMENT_LABEL}
    env.globals["reason_label"] = {**messages.REASON_LABEL, "comment": COMMENT_REASON_LABEL}
    env.globals["verdict_words"] = messages.VERDICT_WORDS
    env.filters["label_of"] = lambda kind: env.globals["labels"][kind]
    env.globals["edit_label"] = messages.EDIT_LABEL
    env.globals["preview_edit"] = PREVIEW_EDIT
    env.globals["delegate_label"] = messages.DELEGATE_LABEL
    env.filters["chain_url"] = chain_url
    return env


templates = Jinja2Templates(env=_environment())


@dataclass(frozen=True)
class ActionForm:
    kind: ActionKind
    action_id: str
    """New for every form drawn: sending one form twice applies its action once."""
    reason_required: bool
    asks_reason: bool
    edit_text: str | None = None
    """An edit form's starting text: the whole proposal."""
    delegates: list[Principal] = field(default_factory=list)
    """A delegate form's choices: the directory's people who may take the vote."""


@dataclass(frozen=True)
class Card:
    """A decision's card as the console draws it for one person."""

    view: CardView
    version: int
    """The state's version the card shows: the live feed says when it moves on."""
    forms: list[ActionForm] = field(default_factory=list)
    first_kinds: tuple[ActionKind, ...] = (ActionKind.APPROVE, ActionKind.REJECT)
    """The forms shown open; the rest fold under one summary that names them."""

    @property
    def ai_words(self) -> str:
        """Whether the AI's output waits on people or was acted on without them."""
        return AI_DECIDED if self.view.status is Status.AUTO_APPROVED else AI_SUGGESTS


def new_action_id() -> str:
    return f"web-{uuid.uuid4().hex}"


def delegate_choices(
    state: DecisionState, person: Principal, directory: Directory
) -> list[Principal]:
    """Who ``person`` may hand their vote to: people of the directory (not applications)
    not already asked at this stage, and not the requester when duties are separated."""
    asked = set(state.stage.asked) if state.stage else set()
    barred = {person.id, *asked}
    if state.plan.policy.separation_of_duties:
        barred.add(state.request.requester)
    return [p for p in directory.people if p.id not in barred and not p.id.startswith("app:")]


def card(state: DecisionState, person: Principal, directory: Directory | None = None) -> Card:
    view = card_view(state, proposal_chars=4000)
    allowed = set(actions_for(state, person.id))
    forms = []
    for kind in CARD_KINDS:
        if kind not in allowed:
            continue
        if kind is ActionKind.EDIT and state.request.proposal.text is None:
            continue  # a payload's edit is the API's: the console edits text
        delegates = []
        if kind is ActionKind.DELEGATE:
            delegates = delegate_choices(state, person, directory or Directory())
            if not delegates:
                continue
        forms.append(
            ActionForm(
                kind=kind,
                action_id=new_action_id(),
                reason_required=kind in view.reason_required,
                asks_reason=kind in ALWAYS_ASKS_REASON or kind in view.reason_required,
                edit_text=state.request.proposal.text if kind is ActionKind.EDIT else None,
                delegates=delegates,
            )
        )
    # Anyone the decision involves may leave a comment on it (it always needs the words);
    # an auditor reads every decision but changes none, so reading is not enough.
    if person.id in involved(state):
        forms.append(
            ActionForm(
                kind=ActionKind.COMMENT,
                action_id=new_action_id(),
                reason_required=True,
                asks_reason=True,
            )
        )
    return Card(view=view, version=state.version, forms=forms)


def page(
    request: Request,
    name: str,
    *,
    person: Principal | None = None,
    session: Session | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    context = {"person": person, "csrf": session.csrf if session else "", **values}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    # Pages show who is signed in and what asks them: never from a shared cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # decision ids stay in the console
    return response


def not_found_page(
    request: Request, person: Principal | None, session: Session | None
) -> HTMLResponse:
    """The one answer for a decision that does not exist and one that does not involve
    the person: nobody can probe for others' decisions."""
    return page(
        request,
        "not_found.html",
        person=person,
        session=session,
        status_code=404,
        sentence=NOT_FOUND,
    )


async def forbidden_page(
    request: Request,
    ctx: ServerContext,
    person: Principal,
    session: Session,
    sentence: str,
    *,
    code: str,
) -> HTMLResponse:
    """A page only some people may open, to someone else; the refusal recorded in the
    operations trail, as the API records its own."""
    await ctx.operations.denial(
        person.id, attempted=attempted(request), code=code, message=sentence, via=VIA
    )
    return page(
        request,
        "forbidden.html",
        person=person,
        session=session,
        status_code=403,
        sentence=sentence,
    )


async def readable_state(
    request: Request,
    ctx: ServerContext,
    person: Principal,
    session: Session,
    decision_id: str,
    attempted: str = "read",
) -> DecisionState | HTMLResponse:
    """The decision's state when ``person`` may read it; else the page to answer with:
    the failure's (a missing decision's is the not-found page), or the not-found page
    with the refusal recorded (:func:`refused_page`)."""
    try:
        state = await ctx.client.state(decision_id)
    except Exception as exc:
        return failure_page(request, ctx, exc, person, session)
    if not may_read(person, state):
        return await refused_page(request, ctx, person, session, decision_id, attempted)
    return state


async def refused_page(
    request: Request,
    ctx: ServerContext,
    person: Principal,
    session: Session,
    decision_id: str,
    attempted: str = "read",
) -> HTMLResponse:
    """The not-found page for a decision that does not involve ``person``, the refusal
    recorded in that decision's audit trail as the API records it."""
    await audit_denial(ctx, Caller(person=person), decision_id, attempted, "not_involved")
    return not_found_page(request, person, session)


def failure_page(
    request: Request,
    ctx: ServerContext,
    exc: Exception,
    person: Principal | None,
    session: Session | None,
) -> HTMLResponse:
    """The sentence the CLI and the API give for ``exc``, as a page."""
    settings = ctx.settings
    failure = describe(exc, address=settings.temporal_address, task_queue=settings.task_queue)
    if failure.kind is FailureKind.NOT_FOUND:
        return not_found_page(request, person, session)
    return page(
        request,
        "failure.html",
        person=person,
        session=session,
        status_code=STATUS_OF[failure.kind],
        sentence=failure.sentence,
    )


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To the sign-in, coming back to this page afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?{urlencode({'next': here})}", status_code=303)
