"""``/api/v1/decisions/{id}/outcomes``: the application reports what really happened
after a decision, at any later time (the decision's workflow may have completed long
ago). The work is :meth:`SignoffClient.record_outcome`'s, as for the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, create_model

from signoff.core.models import ApiKeyGrant, ApiScope, OutcomeReport, ReportedOutcome
from signoff.core.models.outcome_report import MAX_KEY
from signoff.server.auth import Caller, application_allowed_to
from signoff.server.context import ServerContext, context
from signoff.server.decisions_api import PROBLEMS, DecisionIdPath, readable_state
from signoff.server.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["decisions"])

OutcomeBody: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "OutcomeBody",
    __config__=ConfigDict(extra="forbid"),
    __doc__=(
        "What happened in the world after the decision: an outcome label, the system"
        " reporting it, and when it happened (with a time zone, not in the future)."
    ),
    **{
        name: (field.annotation, field)
        for name, field in OutcomeReport.model_fields.items()
        if name != "key"
    },
)
ReportKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description=(
            "Names this report for good: the same decision, source and key record once;"
            " the same key with another outcome is a 409. Without one, the report's"
            " source, time and label make the key."
        ),
    ),
]


@router.post(
    "/decisions/{decision_id}/outcomes",
    status_code=201,
    response_model=ReportedOutcome,
    responses=PROBLEMS
    | {
        200: {"model": ReportedOutcome, "description": "Recorded before: nothing new written."},
        404: {"model": Problem, "description": "No such decision, or not one of the key's."},
        409: {
            "model": Problem,
            "description": "Not decided yet (`undecided`), or the key names another outcome.",
        },
    },
    summary="Report a decision's real-world outcome, at any later time",
)
async def report_outcome(
    decision_id: DecisionIdPath,
    body: OutcomeBody,  # type: ignore[valid-type]
    grant: Annotated[ApiKeyGrant, Depends(application_allowed_to(ApiScope.OUTCOMES))],
    ctx: Annotated[ServerContext, Depends(context)],
    response: Response,
    key: ReportKey = None,
) -> ReportedOutcome:
    """Recorded in the decision's audit trail through Temporal before it answers; the
    same report again answers 200 with the first recording."""
    # Its own use cases only; a refusal is audited and looks like no decision.
    await readable_state(ctx, Caller(app=grant), decision_id, attempted="report_outcome")
    fields = body.model_dump()
    recorded = await ctx.client.record_outcome(
        decision_id,
        fields["label"],
        fields["source"],
        fields["at"],
        key=key,
        reported_by=grant.principal,
        via="api",
    )
    if recorded.duplicate:
        response.status_code = 200
    return recorded
