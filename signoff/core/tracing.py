"""The spans Signoff's own code adds to a trace beside those of Temporal's tracing
interceptor (a click in a bot, a request to the HTTP API, an audit write, a card drawn),
and the decision the running code handles, for its log lines.

Only OpenTelemetry's API is used here. Until a process configures a tracer provider
(``signoff.app.telemetry``, from the standard ``OTEL_*`` variables), every span is a
no-op and nothing is sent anywhere.

A card is drawn by the worker's card outbox, after the audit write that queued it and
outside the activity that wrote it; the write keeps its trace context beside the card
job (:func:`carrier`), and the drawing continues that trace (:func:`continued`), so one
trace runs from a click to the card it redraws.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import context, propagate, trace
from opentelemetry.util.types import AttributeValue

tracer = trace.get_tracer("signoff")
_DECISION: ContextVar[str | None] = ContextVar("signoff_decision", default=None)


@contextmanager
def about(decision_id: str) -> Iterator[None]:
    """Code in this block handles ``decision_id``: log lines name it, and the current
    span (if recording) carries it as ``signoff.decision_id``."""
    token = _DECISION.set(decision_id)
    trace.get_current_span().set_attribute("signoff.decision_id", decision_id)
    try:
        yield
    finally:
        _DECISION.reset(token)


def current_decision() -> str | None:
    """The decision the running code handles (:func:`about`), if any."""
    return _DECISION.get()


def enabled() -> bool:
    """Whether this process configured a tracer provider (so spans are recorded)."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def carrier() -> dict[str, str] | None:
    """The current trace context as W3C headers (``traceparent``), or None outside any
    recorded span."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers or None


@contextmanager
def continued(
    headers: dict[str, str] | None, name: str, **attributes: AttributeValue
) -> Iterator[trace.Span]:
    """A span named ``name`` in the trace ``headers`` carry (a new trace without them)."""
    parent = propagate.extract(headers) if headers else context.get_current()
    with tracer.start_as_current_span(name, context=parent, attributes=attributes) as span:
        yield span
