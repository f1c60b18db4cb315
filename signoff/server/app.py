"""The ASGI application ``signoff serve`` runs: the API, the console, the health checks,
and the problem documents every error becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI

from signoff.server import (
    audit_api,
    catalog_api,
    console,
    decisions_api,
    denials,
    health,
    keys_api,
    metrics,
    outcomes_api,
    problems,
    tracing,
)
from signoff.server.body_limit import BodyLimit
from signoff.server.context import ServerContext

API_TITLE = "Signoff"
API_DESCRIPTION = (
    "Human sign-off for AI decisions, over HTTP: submit a decision, wait for its outcome,"
    " find decisions. Errors are RFC 9457 problem documents whose `detail` is one sentence"
    " and whose `code` is stable."
)


def create_app(ctx: ServerContext | None = None) -> FastAPI:
    """The application; ``ctx`` is what its handlers use (None only to render the OpenAPI
    document, which needs no connections)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ctx is None:
            raise RuntimeError("create_app() without a context can only describe the API")
        app.state.signoff = ctx
        async with ctx.operations.running():
            yield

    app = FastAPI(
        title=API_TITLE,
        description=API_DESCRIPTION,
        version=version("signoff"),
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    if ctx is not None:
        app.state.signoff = ctx
    settings = ctx.settings if ctx is not None else None
    problems.install(
        app,
        address=settings.temporal_address if settings else "the configured address",
        task_queue=settings.task_queue if settings else "",
        on_problem_raised=denials.audit_forbidden,
    )
    # Innermost first (Starlette wraps each later one around the ones before): the body
    # limit must sit right under the routes, so its refusal reaches them as raised.
    app.add_middleware(BodyLimit)
    tracing.install(app)
    app.include_router(health.router)
    app.include_router(decisions_api.router)
    app.include_router(outcomes_api.router)
    app.include_router(audit_api.router)
    app.include_router(catalog_api.router)
    app.include_router(keys_api.router)
    app.include_router(console.router)
    metrics.install(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.as_problem_documents(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
