"""``/console/live``: server-sent events that tell a page when a decision it shows has
changed (``changed``) and, for the inbox, when a new one asks the person (``added``).

The page names what it shows as ``d=VERSION:ID``; each connection polls those states
about once a second (and the person's pending search every few seconds), and says which
changed. The page fetches the card afresh itself, so the feed carries ids only. A
connection ends after ``LIFETIME_S`` with ``bye``: the page reconnects naming what it
shows then, and a server being stopped waits for no stream longer than that.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from signoff.core.models import DecisionState, Principal
from signoff.server.console.inbox import pending_for, readable_states
from signoff.server.console.rendering import sign_in_redirect
from signoff.server.console.session import signed_in
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

POLL_S = 1.0
SEARCH_EVERY = 5  # polls between searches for new decisions
LIFETIME_S = 30.0
MAX_WATCHED = 100
RETRY_MS = 2000


def watched(values: list[str]) -> dict[str, int]:
    """``VERSION:ID`` pairs as the page sends them (anything else is left out)."""
    found: dict[str, int] = {}
    for value in values[:MAX_WATCHED]:
        version, _, decision_id = value.partition(":")
        if decision_id and version.lstrip("-").isdigit():
            found[decision_id] = int(version)
    return found


def _event(name: str, decision_id: str) -> str:
    return f"event: {name}\ndata: {json.dumps({'decision_id': decision_id})}\n\n"


async def _changes(
    request: Request, ctx: ServerContext, person: Principal, shown: dict[str, int], inbox: bool
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    ends = time.monotonic() + LIFETIME_S
    polls = 0
    while time.monotonic() < ends and not await request.is_disconnected():
        try:
            states: dict[str, DecisionState] = await readable_states(ctx, person, list(shown))
            for decision_id, state in states.items():
                if state.version != shown[decision_id]:
                    shown[decision_id] = state.version
                    yield _event("changed", decision_id)
            if inbox and polls % SEARCH_EVERY == 0:
                new = [d for d in await pending_for(ctx, person) if d not in shown]
                room = MAX_WATCHED - len(shown)
                for decision_id, state in (await readable_states(ctx, person, new[:room])).items():
                    shown[decision_id] = state.version  # the card the page fetches now
                    yield _event("added", decision_id)
        except Exception:  # Temporal is away for a moment: the page keeps what it shows
            yield ": unavailable\n\n"
        polls += 1
        await asyncio.sleep(POLL_S)
    yield "event: bye\ndata: {}\n\n"


@router.get("/live")
async def live(request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, _ = who
    shown = watched(request.query_params.getlist("d"))
    inbox = request.query_params.get("inbox") == "1"
    return StreamingResponse(
        _changes(request, ctx, person, shown, inbox),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
