"""``/console/escalations``: for managers, the pending decisions whose plans name them
overriders that need a manager's eye — past their stage's deadline, escalated, or
expiring within a day — filtered by stage, age and use case, each with an override
form (a reason required) sent as the manager, as any console form is.

Only people with the manager role, or named overriders of a pending decision, see the
page; anyone else gets the forbidden page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from signoff.core.models import DecisionState, Principal, Role
from signoff.server.console.inbox import readable_states
from signoff.server.console.rendering import (
    failure_page,
    forbidden_page,
    new_action_id,
    page,
    sign_in_redirect,
)
from signoff.server.console.session import cookies_for, signed_in
from signoff.server.context import ServerContext, context

router = APIRouter()
Ctx = Annotated[ServerContext, Depends(context)]

SEARCH_LIMIT = 200
EXPIRING_WITHIN = timedelta(hours=24)
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}
"""The age filter's choices: submitted at least this long ago."""
NOT_A_MANAGER = "Only managers see escalations: the directory gives you no manager role."
OVERDUE, ESCALATED, EXPIRING = "past deadline", "escalated", "expiring within 24 h"


@dataclass(frozen=True)
class Escalation:
    state: DecisionState
    reasons: list[str]
    deadline: datetime | None
    age: timedelta
    action_id: str

    @property
    def stage_name(self) -> str:
        return self.state.stage.name if self.state.stage else "-"

    @property
    def age_words(self) -> str:
        hours = int(self.age.total_seconds() // 3600)
        if hours >= 48:
            return f"{hours // 24} days"
        if hours >= 1:
            return f"{hours} h"
        return f"{max(int(self.age.total_seconds() // 60), 0)} min"


def needs_a_manager(state: DecisionState, now: datetime) -> list[str]:
    """Why a pending decision is on the page; empty when it is not."""
    reasons = []
    stage = state.stage
    if stage is not None and stage.deadline is not None and stage.deadline <= now:
        reasons.append(OVERDUE)
    if any(entry.kind == "escalated" for entry in state.history):
        reasons.append(ESCALATED)
    ends = [at for at in (stage.deadline if stage else None, state.expires_at) if at is not None]
    if any(now < at <= now + EXPIRING_WITHIN for at in ends):
        reasons.append(EXPIRING)
    return reasons


def escalations(states: list[DecisionState], person: Principal, now: datetime) -> list[Escalation]:
    found = []
    for state in states:
        if state.status.is_final or person.id not in state.plan.overriders:
            continue
        if reasons := needs_a_manager(state, now):
            deadline = (state.stage.deadline if state.stage else None) or state.expires_at
            found.append(
                Escalation(state, reasons, deadline, now - state.submitted_at, new_action_id())
            )
    return sorted(found, key=lambda e: e.deadline or datetime.max.replace(tzinfo=UTC))


def filtered(found: list[Escalation], stage: str, age: str, use_case: str) -> list[Escalation]:
    return [
        e
        for e in found
        if (not stage or e.stage_name == stage)
        and (age not in AGES or e.age >= AGES[age])
        and (not use_case or e.state.request.use_case == use_case)
    ]


@router.get("/escalations", name="console_escalations")
async def escalations_page(request: Request, ctx: Ctx) -> Response:
    who = await signed_in(request, ctx)
    if who is None:
        return sign_in_redirect(request)
    person, session = who
    try:
        listings = await ctx.client.search(status="pending", limit=SEARCH_LIMIT)
        states = await readable_states(ctx, person, [x.decision_id for x in listings])
    except Exception as exc:
        return failure_page(request, ctx, exc, person, session)
    mine = [s for s in states.values() if person.id in s.plan.overriders]
    if Role.MANAGER not in person.roles and not mine:
        return await forbidden_page(
            request, ctx, person, session, NOT_A_MANAGER, code="not_manager"
        )
    found = escalations(mine, person, datetime.now(UTC))
    query = request.query_params
    chosen = {name: query.get(name, "") for name in ("stage", "age", "use_case")}
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = page(
        request,
        "escalations.html",
        person=person,
        session=session,
        escalations=filtered(found, **chosen),
        everything=len(found),
        stages=sorted({e.stage_name for e in found}),
        use_cases=sorted({e.state.request.use_case for e in found}),
        ages=list(AGES),
        chosen=chosen,
        notice=session.notice,
        back=here,
    )
    cookies = cookies_for(ctx)
    if session.notice and cookies is not None:
        cookies.keep_session(response, request, session.with_notice(None))
    return response
