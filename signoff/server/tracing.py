"""A span for each request the server answers, in the caller's trace when its request
carries a ``traceparent``, named by the route's template (never by ids in the path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from signoff.core import tracing
from signoff.server.route_templates import route_template


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def traced(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        headers = {k: v for k, v in request.headers.items() if k in ("traceparent", "tracestate")}
        with tracing.continued(headers, f"HTTP {request.method}") as span:
            response = await call_next(request)
            route = route_template(request.scope)
            if route is not None:
                span.update_name(f"HTTP {request.method} {route}")
            span.set_attribute("http.response.status_code", response.status_code)
            return response
