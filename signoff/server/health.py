"""``/healthz``: the process answers. ``/readyz``: it can do its work, because Temporal
and the store both answer now; a load balancer sends traffic only while it is ready."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from signoff.client.failure_sentences import describe
from signoff.server.context import ServerContext, context
from signoff.server.problems import Problem, problem_response

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 5.0


class Health(BaseModel):
    ok: bool = True


class Readiness(BaseModel):
    ok: bool
    temporal: str
    store: str


@router.get("/healthz", response_model=Health, summary="The process answers")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "Temporal or the store does not answer."}},
    summary="Temporal and the store answer",
)
async def readyz(ctx: Annotated[ServerContext, Depends(context)]) -> Readiness | JSONResponse:
    address = ctx.settings.temporal_address
    temporal, store = await asyncio.gather(
        _check(ctx.client.temporal.service_client.check_health(), address),
        _check(ctx.store.ping(), address),
    )
    if temporal == "ok" and store == "ok":
        return Readiness(ok=True, temporal=temporal, store=store)
    failing = "; ".join(
        f"{name}: {said}"
        for name, said in (("Temporal", temporal), ("store", store))
        if said != "ok"
    )
    return problem_response(
        503, f"Not ready — {failing}", code="not_ready", headers={"Retry-After": "1"}
    )


async def _check(probe: object, address: str) -> str:
    """ "ok", or the sentence for why ``probe`` failed or took too long."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await probe  # type: ignore[misc]
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:.0f} s"
    except Exception as exc:  # every failure is an answer here, not an error
        return describe(exc, address=address).sentence.rstrip(".")
    return "ok"
