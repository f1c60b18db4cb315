"""Turning views into HTML: the console's Jinja2 templates (packaged with it, escaped
by default), the cards they draw from :func:`signoff.core.card_view.card_view`, and the
pages every route may answer with (not found, unavailable)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from signoff.client.failure_sentences import FailureKind, describe
from signoff.core import messages
from signoff.core.card_view import CardView, actions_for, card_view
from signoff.core.models import ActionKind, DecisionState, Principal, Status
from signoff.core.text import utc_text
from signoff.server.console.session import Session
from signoff.server.context import ServerContext
from signoff.server.problems import STATUS_OF

__all__ = ["Card", "card", "failure_page", "not_found_page", "page", "sign_in_redirect"]

FORM_KINDS = (ActionKind.APPROVE, ActionKind.REJECT)
"""What the console's forms offer in this slice; the rest stay in chat, the CLI and the
API."""
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " frame-ancestors 'none'; base-uri 'none'"
)
"""Only the console's own packaged assets run or style a page: user content that
slipped past escaping still could not run."""
AI_SUGGESTS = "AI suggests"
AI_DECIDED = "AI decided"
NOT_FOUND = "No such decision, or not one that involves you."


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("signoff.server.console", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda moment: utc_text(moment)
    env.filters["iso"] = lambda moment: moment.isoformat() if isinstance(moment, datetime) else ""
    env.globals["labels"] = messages.ACTION_LABELS
    env.globals["reason_label"] = messages.REASON_LABEL
    env.globals["verdict_words"] = messages.VERDICT_WORDS
    return env


templates = Jinja2Templates(env=_environment())


@dataclass(frozen=True)
class ActionForm:
    kind: ActionKind
    action_id: str
    """New for every form drawn: sending one form twice applies its action once."""
    reason_required: bool
    asks_reason: bool


@dataclass(frozen=True)
class Card:
    """A decision's card as the console draws it for one person."""

    view: CardView
    version: int
    """The state's version the card shows: the live feed says when it moves on."""
    forms: list[ActionForm] = field(default_factory=list)

    @property
    def ai_words(self) -> str:
        """Whether the AI's output waits on people or was acted on without them."""
        return AI_DECIDED if self.view.status is Status.AUTO_APPROVED else AI_SUGGESTS


def card(state: DecisionState, person: Principal) -> Card:
    view = card_view(state, proposal_chars=4000)
    allowed = actions_for(state, person.id)
    forms = [
        ActionForm(
            kind=kind,
            action_id=f"web-{uuid.uuid4().hex}",
            reason_required=kind in view.reason_required,
            asks_reason=kind is ActionKind.REJECT or kind in view.reason_required,
        )
        for kind in FORM_KINDS
        if kind in allowed
    ]
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
