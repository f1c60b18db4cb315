"""Off a terminal every log line is one JSON object naming its decision and its trace,
so a log search and a trace view meet; on a terminal it stays text for a person."""

from __future__ import annotations

import io
import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from signoff.app.logs import handler
from signoff.core.tracing import about


def logged(as_json: bool, emit: object) -> str:
    stream = io.StringIO()
    logger = logging.getLogger(f"signoff.spec.{as_json}")
    logger.propagate = False
    logger.handlers = [handler(stream, as_json=as_json)]
    logger.setLevel(logging.INFO)
    emit(logger)  # type: ignore[operator]
    return stream.getvalue()


def test_a_line_names_the_decision_and_the_trace_it_was_logged_in() -> None:
    tracer = TracerProvider().get_tracer("spec")

    def emit(logger: logging.Logger) -> None:
        with tracer.start_as_current_span("click") as span, about("refunds-bot:order-1"):
            logger.warning("the card could not be drawn")
            emit.trace_id = f"{span.get_span_context().trace_id:032x}"  # type: ignore[attr-defined]

    (line,) = logged(True, emit).splitlines()
    record = json.loads(line)
    assert record["message"] == "the card could not be drawn"
    assert record["level"] == "WARNING"
    assert record["decision_id"] == "refunds-bot:order-1"
    assert record["trace_id"] == emit.trace_id  # type: ignore[attr-defined]
    assert "time" in record and record["logger"].startswith("signoff.spec")


def test_workflow_and_activity_lines_name_their_decision_from_temporals_context() -> None:
    def emit(logger: logging.Logger) -> None:
        activity = {"workflow_id": "signoff-loan-77", "activity_type": "record_audit"}
        logger.error("write failed", extra={"temporal_activity": activity})
        logger.info("outside any decision")

    first, second = (json.loads(line) for line in logged(True, emit).splitlines())
    assert first["decision_id"] == "loan-77"
    assert second["decision_id"] is None and second["trace_id"] is None


def test_a_terminal_gets_text() -> None:
    text = logged(False, lambda logger: logger.warning("careful"))
    assert text == "WARNING signoff.spec.False: careful\n"
