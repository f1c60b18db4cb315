"""``/api/v1/audit``: what an auditor reads without database or Temporal credentials —
events by decision, actor, kind and time, a streamed export, and the chains' check.

Only a signed-in person with the directory's ``auditor`` role gets in; auditors read and
export everything and change nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from signoff.adapters.store.export import rendered
from signoff.core.models import AuditKind, ChainedEvent, Principal, Role, VerifyReport
from signoff.server.auth import signed_in_person
from signoff.server.context import ServerContext, context
from signoff.server.problems import ApiProblem, Problem

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
MAX_LIMIT = 1000
MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
PROBLEMS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No sign-in, or one that proves nothing."},
    403: {"model": Problem, "description": "Only an auditor reads the audit trail."},
    422: {"model": Problem, "description": "A filter does not validate."},
}


async def auditor(person: Annotated[Principal, Depends(signed_in_person)]) -> Principal:
    if Role.AUDITOR not in person.roles:
        raise ApiProblem(403, "Only an auditor reads the audit trail here.", code="not_auditor")
    return person


class EventQuery:
    """The filters every audit read takes, as ``signoff audit query`` has them."""

    def __init__(
        self,
        decision_id: Annotated[str | None, Query(max_length=200)] = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        kind: Annotated[list[AuditKind] | None, Query()] = None,
        since: Annotated[datetime | None, Query(description="Inclusive.")] = None,
        until: Annotated[datetime | None, Query(description="Exclusive.")] = None,
    ) -> None:
        for name, at in (("since", since), ("until", until)):
            if at is not None and at.tzinfo is None:
                raise ApiProblem(
                    422,
                    f"Invalid request: query {name}: give a time zone (Z or +hh:mm).",
                    code="invalid",
                )
        self.filters = {
            "decision_id": decision_id,
            "actor": actor,
            "kinds": [k.value for k in kind] if kind else None,
            "since": since,
            "until": until,
        }


@router.get(
    "/events",
    response_model=list[ChainedEvent],
    responses=PROBLEMS,
    summary="Audit events matching every filter (one decision's in chain order)",
)
async def events(
    _: Annotated[Principal, Depends(auditor)],
    ctx: Annotated[ServerContext, Depends(context)],
    query: Annotated[EventQuery, Depends()],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> list[ChainedEvent]:
    return await ctx.store.query_events(**query.filters, limit=limit)  # type: ignore[arg-type]


@router.get(
    "/export",
    responses=PROBLEMS
    | {200: {"content": {MEDIA["jsonl"]: {}, MEDIA["csv"]: {}}, "description": "Streamed."}},
    summary="Every matching event, streamed as JSON Lines or CSV",
)
async def export(
    _: Annotated[Principal, Depends(auditor)],
    ctx: Annotated[ServerContext, Depends(context)],
    query: Annotated[EventQuery, Depends()],
    format: Literal["jsonl", "csv"] = "jsonl",
) -> StreamingResponse:
    lines = rendered(
        ctx.store.stream_events(**query.filters, limit=None),  # type: ignore[arg-type]
        fmt=format,
        model=ChainedEvent,
    )
    name = f"signoff-audit.{format}"
    return StreamingResponse(
        lines,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/verify",
    response_model=VerifyReport,
    responses=PROBLEMS,
    summary="Recompute the chains and check them against the audit key's signed heads",
)
async def verify(
    _: Annotated[Principal, Depends(auditor)],
    ctx: Annotated[ServerContext, Depends(context)],
    decision_id: Annotated[str | None, Query(max_length=200)] = None,
) -> VerifyReport:
    from signoff.adapters.notary import Anchor

    return await ctx.store.verify(decision_id, anchor=Anchor.for_settings(ctx.settings))
