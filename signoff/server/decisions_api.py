"""``/api/v1/decisions``: submit a decision, read it, wait for its outcome, find
decisions. Handlers stay thin: :class:`SignoffClient` does the work, as for the CLI."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, create_model
from temporalio.service import RPCError, RPCStatusCode

from signoff.client.decision_search import DecisionPage
from signoff.core.errors import ActionRefused, DecisionNotFound
from signoff.core.models import (
    MAX_DECISION_ID,
    Action,
    ActionKind,
    ActionResult,
    ApiScope,
    ApplicationGrant,
    DecisionRequest,
    DecisionState,
    Outcome,
    Principal,
    Role,
)
from signoff.core.models.state import Status
from signoff.core.policy.readers import may_read
from signoff.core.tracing import about
from signoff.server.auth import (
    Caller,
    application_allowed_to,
    caller,
    reader,
    require_use_case,
    signed_in_person,
)
from signoff.server.context import ServerContext, context
from signoff.server.problems import ApiProblem, Problem

router = APIRouter(prefix="/api/v1", tags=["decisions"])
T = TypeVar("T")

SERVER_SET = frozenset({"id", "requester", "notify_workflow_id"})
"""Request fields the server fills in: the id from the idempotency key, the requester
from the API key, never from what the body says."""
Submission: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "Submission",
    __config__=ConfigDict(extra="forbid", protected_namespaces=()),
    __doc__=(
        "A decision for sign-off: a DecisionRequest without id, requester and"
        " notify_workflow_id, which the server sets."
    ),
    **{
        name: (field.annotation, field)
        for name, field in DecisionRequest.model_fields.items()
        if name not in SERVER_SET
    },
)
SERVER_SET_ON_ACTIONS = frozenset({"action_id", "actor", "via", "vouch"})
"""Action fields the server fills in: the id from the idempotency key, the actor from the
sign-in, the surface's word from its own key."""
ActionBody: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "ActionBody",
    __config__=ConfigDict(extra="forbid"),
    __doc__="What a person does to a decision: an Action without the fields the server sets.",
    **{
        name: (field.annotation, field)
        for name, field in Action.model_fields.items()
        if name not in SERVER_SET_ON_ACTIONS
    },
)
VIA = "web"
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._\-]+$",
        description=(
            "Names this submission for good: the same key and body again answer with the"
            " same decision; the same key with another body is a 409. Letters, digits,"
            " '.', '_' and '-', at most 100."
        ),
    ),
]
DecisionIdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")]
MAX_WAIT_S = 60
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text}
    for status, text in (
        (401, "No API key or token, or one that proves nothing."),
        (403, "The application may not do this, or not for this use case."),
        (422, "The request does not validate; `detail` says where."),
        (503, "Temporal, a worker or the store cannot be reached now; retry."),
    )
}


class OutcomePending(BaseModel):
    """The decision is not final yet: ask again."""

    decision_id: str
    status: Status


def decision_id_for(grant: ApplicationGrant, key: str) -> str:
    """The decision an application's idempotency key names: the application's name, which
    holds no ':', then the key, so two applications' keys never name one decision."""
    return f"{grant.app}:{key}"


@router.post(
    "/decisions",
    status_code=201,
    response_model=DecisionState,
    responses=PROBLEMS
    | {
        409: {"model": Problem, "description": "The key names a decision with another body."},
        413: {"model": Problem, "description": "The request is too large."},
    },
    summary="Submit a decision for sign-off",
)
async def submit(
    body: Submission,  # type: ignore[valid-type]
    key: IdempotencyKey,
    grant: Annotated[ApplicationGrant, Depends(application_allowed_to(ApiScope.SUBMIT))],
    ctx: Annotated[ServerContext, Depends(context)],
    response: Response,
) -> DecisionState:
    fields = body.model_dump()
    require_use_case(grant, fields["use_case"])
    decision_id = decision_id_for(grant, key)
    if len(decision_id) > MAX_DECISION_ID:
        # Else the caller would be told about an `id` it cannot send.
        room = MAX_DECISION_ID - len(decision_id) + len(key)
        raise ApiProblem(
            422,
            f"Invalid request: header Idempotency-Key: at most {room} characters for"
            f" '{grant.app}', whose decisions' ids are '{grant.app}:' and the key.",
            code="invalid",
        )
    request = DecisionRequest.model_validate(
        fields | {"id": decision_id, "requester": grant.principal}
    )
    state = await ctx.client.submit(request)
    response.headers["Location"] = f"/api/v1/decisions/{state.decision_id}"
    return state


async def readable_state(
    ctx: ServerContext, who: Caller, decision_id: str, *, attempted: str = "read"
) -> DecisionState:
    """The decision, if ``who`` may read it; as not found otherwise, the refusal recorded
    in the decision's audit trail all the same."""
    state = await ctx.client.state(decision_id)
    if who.app is not None and not who.app.allows_use_case(state.request.use_case):
        await audit_denial(ctx, who, decision_id, attempted, "use_case")
        raise DecisionNotFound(decision_id)
    if who.person is not None and not may_read(who.person, state):
        await audit_denial(ctx, who, decision_id, attempted, "not_involved")
        raise DecisionNotFound(decision_id)
    return state


APP_FEEDBACK = frozenset({ActionKind.THUMB, ActionKind.CORRECTION})
"""What an application's key with the ``feedback`` scope may send on its use cases'
decisions, as its own principal (``app:NAME``); everything else is a person's to do."""
DENIALS = {
    "use_case": "The application is not for this decision's use case.",
    "not_involved": "The decision does not involve this person.",
    "application": "An application may send only feedback (thumb, correction),"
    " with the feedback scope; every other action is a signed-in person's.",
}


async def audit_denial(
    ctx: ServerContext, who: Caller, decision_id: str, attempted: str, code: str
) -> None:
    """Every denial on an existing decision goes into its audit trail, as a refused chat
    click does."""
    await ctx.client.audit_refusal(
        decision_id,
        actor=who.name,
        attempted=attempted,
        attempt_id=f"{VIA}-{attempted}-{uuid.uuid4().hex}",
        code=code,
        message=DENIALS[code],
        via=VIA,
    )


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionState,
    responses=PROBLEMS | {404: {"model": Problem, "description": "No such decision."}},
    summary="Read a decision",
)
async def get_decision(
    decision_id: DecisionIdPath,
    who: Annotated[Caller, Depends(reader())],
    ctx: Annotated[ServerContext, Depends(context)],
) -> DecisionState:
    return await readable_state(ctx, who, decision_id)


@router.get(
    "/decisions/{decision_id}/outcome",
    response_model=Outcome,
    responses=PROBLEMS
    | {
        202: {"model": OutcomePending, "description": "Not final within `wait` seconds."},
        404: {"model": Problem, "description": "No such decision."},
    },
    summary="Wait for a decision's outcome (long poll)",
)
async def get_outcome(
    request: Request,
    decision_id: DecisionIdPath,
    who: Annotated[Caller, Depends(reader())],
    ctx: Annotated[ServerContext, Depends(context)],
    wait: Annotated[
        int, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait for the outcome.")
    ] = 0,
) -> Outcome | JSONResponse:
    state = await readable_state(ctx, who, decision_id)
    if state.outcome is not None:
        return state.outcome
    if wait:
        try:
            return await _unless_hung_up(
                request, ctx.client.wait_outcome(decision_id, timeout=timedelta(seconds=wait))
            )
        except TimeoutError:
            state = await ctx.client.state(decision_id)
        except HungUp:
            # Nobody reads this answer; the wait has stopped asking Temporal.
            return Response(status_code=499)
    pending = OutcomePending(decision_id=decision_id, status=state.status)
    return JSONResponse(
        pending.model_dump(mode="json"), status_code=202, headers={"Retry-After": "0"}
    )


class HungUp(Exception):
    """The client went away while its request waited."""


async def _unless_hung_up(request: Request, waiting: Coroutine[Any, Any, T]) -> T:
    """``waiting``'s result; stopped, raising :class:`HungUp`, as soon as the client
    disconnects. The server does not cancel a handler whose client left: a long poll
    would otherwise go on asking Temporal for up to a minute for nobody."""
    work = asyncio.ensure_future(waiting)
    watch = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        work.cancel()  # no-ops for whichever is done
        watch.cancel()
        await asyncio.gather(work, watch, return_exceptions=True)
    if not work.cancelled():
        return work.result()
    raise HungUp


async def _disconnect(request: Request) -> None:
    """Returns when the client disconnects: a GET has no body left to read, so what
    ``receive`` gives next is the disconnect."""
    try:
        while (await request.receive())["type"] != "http.disconnect":
            pass
    except Exception:  # a body the cap refused, say: cannot tell, so wait on
        await asyncio.Event().wait()


@router.get(
    "/decisions",
    response_model=DecisionPage,
    responses=PROBLEMS,
    summary="Find decisions, a page at a time",
)
async def list_decisions(
    who: Annotated[Caller, Depends(reader())],
    ctx: Annotated[ServerContext, Depends(context)],
    status: Annotated[str | None, Query(max_length=40)] = None,
    use_case: Annotated[str | None, Query(max_length=500)] = None,
    risk_tier: Annotated[str | None, Query(max_length=20)] = None,
    model_version: Annotated[str | None, Query(max_length=500)] = None,
    pending_for: Annotated[
        str | None, Query(max_length=200, description="A person's directory id.")
    ] = None,
    submitted_since: Annotated[
        datetime | None, Query(description="Submitted at or after (with a time zone).")
    ] = None,
    submitted_until: Annotated[
        datetime | None, Query(description="Submitted before (with a time zone).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[str | None, Query(max_length=4000)] = None,
) -> DecisionPage:
    if who.app is not None:
        use_case = _use_case_of(who.app, use_case)
    elif who.person is not None and Role.AUDITOR not in who.person.roles:
        # A person finds what asks them; only auditors search everything.
        if pending_for not in (None, who.person.id):
            raise ApiProblem(
                403, "You can list only what waits for you (pending_for=you).", code="scope"
            )
        pending_for = who.person.id
    not_a_cursor = f"'{cursor}' is not a cursor a search returned."
    try:
        return await ctx.client.search_page(
            page_size=limit,
            cursor=cursor,
            status=status,
            use_case=use_case,
            risk_tier=risk_tier,
            model_version=model_version,
            pending_for=pending_for,
            submitted_since=submitted_since,
            submitted_until=submitted_until,
        )
    except ValueError as err:
        raise ApiProblem(422, str(err), code="invalid") from None
    except RPCError as err:
        # A cursor that decodes but is not one Temporal made.
        if cursor and err.status == RPCStatusCode.INVALID_ARGUMENT:
            raise ApiProblem(422, not_a_cursor, code="invalid") from None
        raise


def _use_case_of(grant: ApplicationGrant, use_case: str | None) -> str | None:
    """The use case a key's search is confined to: the one asked for, which the key must
    allow, or the key's only one; None for a key allowing every use case."""
    if use_case is not None:
        require_use_case(grant, use_case)
        return use_case
    if "*" in grant.use_cases:
        return None
    if len(grant.use_cases) > 1:
        raise ApiProblem(
            422,
            f"Name a use_case: application '{grant.app}' is for {', '.join(grant.use_cases)}.",
            code="invalid",
        )
    return grant.use_cases[0]


@router.post(
    "/decisions/{decision_id}/actions",
    response_model=ActionResult,
    responses=PROBLEMS
    | {
        404: {"model": Problem, "description": "No such decision, or not one you may see."},
        409: {"model": Problem, "description": "Refused by the decision's rules (`code`)."},
    },
    summary="Act on a decision as the signed-in person (an application: feedback only)",
)
async def act(
    decision_id: DecisionIdPath,
    body: ActionBody,  # type: ignore[valid-type]
    key: IdempotencyKey,
    who: Annotated[Caller, Depends(caller)],
    ctx: Annotated[ServerContext, Depends(context)],
) -> ActionResult:
    """The action is the signed-in person's, vouched for by this server's surface key;
    the same Idempotency-Key again is the same action, applied once."""
    fields = body.model_dump(exclude_unset=True)
    kind = ActionKind(fields["kind"])
    if who.app is not None:
        if kind not in APP_FEEDBACK or not who.app.allows(ApiScope.FEEDBACK):
            audited = await ctx.client.exists(decision_id)
            if audited:
                await audit_denial(ctx, who, decision_id, kind.value, "application")
            raise ApiProblem(403, DENIALS["application"], code="scope", audited=audited)
        # Its own use cases only, the refusal audited as any other.
        await readable_state(ctx, who, decision_id, attempted=kind.value)
    return await act_as(ctx, who, decision_id, fields, key)


async def act_as(
    ctx: ServerContext, who: Caller, decision_id: str, fields: dict[str, Any], action_id: str
) -> ActionResult:
    """``who``'s action on the decision, vouched for by this server's surface key: the
    API's and the console's one way to act.

    Raises:
        ApiProblem: this server has no surface key (503).
        ActionRefused: refused (and audited) by the decision.
        DecisionNotFound: no such decision, or a refusal on one a person may not read.
    """
    if ctx.client.voucher is None:
        raise ApiProblem(
            503,
            "This server has no surface key to vouch for the people who sign in: create"
            " one with `signoff keys surface web`.",
            code="unavailable",
        )
    action = Action.model_validate(fields | {"action_id": action_id, "actor": who.name, "via": VIA})
    try:
        with about(decision_id):
            return await ctx.client.act(decision_id, action)
    except ActionRefused:
        # Refused and audited by the decision; to someone it does not involve, a decision
        # they cannot read is not there.
        if who.person is not None and not may_read(who.person, await ctx.client.state(decision_id)):
            raise DecisionNotFound(decision_id) from None
        raise


class Me(BaseModel):
    """The signed-in person, as the directory knows them."""

    id: str
    name: str
    roles: list[Role]
    groups: list[str]


@router.get("/me", response_model=Me, responses=PROBLEMS, summary="Who is signed in")
async def me(person: Annotated[Principal, Depends(signed_in_person)]) -> Me:
    return Me(id=person.id, name=person.name, roles=person.roles, groups=person.groups)
