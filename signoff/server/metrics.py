"""``/metrics``: the HTTP server's Prometheus series, and the decisions pending now.

Requests are counted by route template (``/api/v1/decisions/{decision_id}``), never by
the path itself, so a decision id never becomes a label; a path no route matches is
``unmatched``. ``/metrics`` itself is left out, so scraping does not count as traffic.

Decisions pending at each stage are read from the store when scraped, not kept as a
running gauge: the store's decisions table is the one view every worker writes to, so
any number of servers report the same, true figure. (A gauge moved from workflow code
would be wrong as soon as a decision moved between workers, or replayed.)
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signoff.server.route_templates import route_template

__all__ = ["PATH", "install"]

PATH = "/metrics"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""The methods that are labels as sent; any other token a client makes up is ``other``,
or anyone could write words of their choosing into the metrics, a new series each."""
# Up to the longest wait an outcome may ask for (60 s).
SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

log = logging.getLogger(__name__)


class _Series:
    """One app's series, in a registry of its own (several apps may share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "signoff_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "signoff_http_request_duration_seconds",
            "Seconds to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=SECONDS,
            registry=self.registry,
        )
        self.pending = Gauge(
            "signoff_decisions_pending",
            "Decisions pending now, by use case and the stage they wait at (from the store)",
            ["use_case", "stage"],
            registry=self.registry,
        )


class _Measured:
    """ASGI middleware: counts and times every HTTP request but ``/metrics``."""

    def __init__(self, app: ASGIApp, series: _Series) -> None:
        self.app = app
        self.series = series

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_template(scope) or UNMATCHED
            if route != PATH:
                method = scope["method"] if scope["method"] in METHODS else "other"
                self.series.requests.labels(route, method, str(status)).inc()
                self.series.latency.labels(route, method).observe(time.perf_counter() - started)


def install(app: FastAPI) -> None:
    """Count ``app``'s requests and serve them, with the decisions pending, at ``/metrics``
    (left out of the OpenAPI document: it is for Prometheus, not for applications)."""
    series = _Series()
    app.add_middleware(_Measured, series=series)

    @app.get(PATH, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        await _read_pending(request.app, series.pending)
        return Response(generate_latest(series.registry), media_type=CONTENT_TYPE_LATEST)


async def _read_pending(app: FastAPI, pending: Gauge) -> None:
    """Set the gauge to the store's figures now; with no store to read, leave it out
    rather than report stale figures."""
    ctx: Any = getattr(app.state, "signoff", None)
    try:
        rows = await ctx.store.pending_by_stage() if ctx is not None else []
    except Exception:  # the store is down: the other series are still worth serving
        log.exception("could not read the pending decisions for /metrics")
        rows = []
    pending.clear()
    for use_case, stage, count in rows:
        pending.labels(use_case, stage).set(count)
