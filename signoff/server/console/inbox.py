"""``/console/``: what asks the signed-in person, soonest deadline first, each as its
card; and one card alone, which the page fetches when the live feed says it changed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from signoff.core.models import DecisionState, Principal
from signoff.core.policy.readers import may_read
from signoff.server.console.rendering import (
    Card,
    card,
    failure_page,
    page,
    readable_state,
    sign_in_redirect,
)
from signoff.server.console.session import cookies_for, signed_in
from signoff.server.console.signin import safe_next
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

INBOX_LIMIT = 100
_LAST = datetime.max.replace(tzinfo=UTC)


async def readable_states(
    ctx: ServerContext, person: Principal, decision_ids: list[str]
) -> dict[str, DecisionState]:
    """The states of those of ``decision_ids`` that exist and involve ``person``."""
    found = await asyncio.gather(
        *(ctx.client.state(decision_id) for decision_id in decision_ids), return_exceptions=True
    )
    for failure in found:
        if isinstance(failure, BaseException) and not isinstance(failure, Exception):
            raise failure  # a cancellation, not a decision that is gone
    return {
        state.decision_id: state
        for state in found
        if isinstance(state, DecisionState) and may_read(person, state)
    }


async def pending_for(ctx: ServerContext, person: Principal) -> list[str]:
    listings = await ctx.client.search(status="pending", pending_for=person.id, limit=INBOX_LIMIT)
    return [listing.decision_id for listing in listings]


def by_deadline(cards: list[Card]) -> list[Card]:
    return sorted(cards, key=lambda c: (c.view.deadline or _LAST, c.view.decision_id))


@router.get("/", name="console_inbox")
async def inbox(request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, session = who
    try:
        states = await readable_states(ctx, person, await pending_for(ctx, person))
    except Exception as exc:
        return failure_page(request, ctx, exc, person, session)
    cards = by_deadline([card(state, person, ctx.directory) for state in states.values()])
    response = page(
        request, "inbox.html", person=person, session=session, cards=cards, notice=session.notice
    )
    cookies = cookies_for(ctx)
    if session.notice and cookies is not None:
        cookies.keep_session(response, request, session.with_notice(None))  # said once
    return response


@router.get("/decisions/{decision_id}/card")
async def one_card(decision_id: str, request: Request, ctx: Ctx) -> Response:
    """The card alone (an HTML fragment), drawn afresh for this person."""
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, session = who
    state = await readable_state(request, ctx, person, session, decision_id)
    if isinstance(state, Response):
        return state
    return page(
        request,
        "card_fragment.html",
        person=person,
        session=session,
        card=card(state, person, ctx.directory),
        back=safe_next(request.query_params.get("back")),
    )
