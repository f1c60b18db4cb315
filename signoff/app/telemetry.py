"""Sending Signoff's traces where the operator says, by OpenTelemetry's standard
variables, so any collector works without Signoff-specific settings:

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``): OTLP over
  HTTP to that collector; ``OTEL_TRACES_EXPORTER=console`` prints spans instead, and
  ``none`` turns tracing off.
- ``OTEL_SERVICE_NAME`` names the process (``signoff`` otherwise), and
  ``OTEL_RESOURCE_ATTRIBUTES`` adds to it.

With none of them set nothing is configured, spans stay no-ops, and Temporal clients get
no tracing interceptor (so an untraced deployment pays nothing for it).
"""

from __future__ import annotations

import os

from opentelemetry import trace

ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configure_tracing(service: str = "signoff") -> bool:
    """Configure this process's tracer provider from the environment, once; whether
    spans are now exported."""
    from signoff.core import tracing

    if tracing.enabled():
        return True
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter_name == "none" or not (exporter_name or any(os.environ.get(e) for e in ENDPOINTS)):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    exporter: SpanExporter
    if exporter_name == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True
