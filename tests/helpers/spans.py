"""Spans kept in memory while a spec records them (the ``spans`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

from signoff.core import tracing


class Recorded(SpanProcessor):
    """Keeps the spans that end while a spec records, and nothing otherwise: the
    provider is the process's for good once set, and later specs need not fill it."""

    def __init__(self) -> None:
        self.on = False
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            self.spans.append(span)


_RECORDED = Recorded()


@pytest.fixture
def spans() -> Iterator[Recorded]:
    if not tracing.enabled():
        provider = TracerProvider()
        provider.add_span_processor(_RECORDED)
        trace.set_tracer_provider(provider)
    _RECORDED.spans.clear()
    _RECORDED.on = True
    yield _RECORDED
    _RECORDED.on = False
