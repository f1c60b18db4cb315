"""How Signoff's processes log: text for a person at a terminal, one JSON object a line
for everything else (a container's log collector), each line with the decision it is
about and the trace it belongs to, so a log search and a trace view meet.

The decision comes from the record itself (``extra={"decision_id": ...}``), from the
decision the code is handling (:func:`signoff.core.tracing.about`), or from the Temporal
SDK's own context on workflow and activity log lines (their workflow id names it).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from signoff.core import tracing
from signoff.core.contract import WORKFLOW_ID_PREFIX

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class DecisionAndTrace(logging.Filter):
    """Adds ``decision_id``, ``trace_id`` and ``span_id`` to every record that passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "decision_id", None) is None:
            record.decision_id = _decision_of(record)
        context = trace.get_current_span().get_span_context()
        record.trace_id = f"{context.trace_id:032x}" if context.is_valid else None
        record.span_id = f"{context.span_id:016x}" if context.is_valid else None
        return True


def _decision_of(record: logging.LogRecord) -> str | None:
    for extra in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, extra, None)
        if isinstance(details, dict):
            workflow_id = details.get("workflow_id")
            if isinstance(workflow_id, str) and workflow_id.startswith(WORKFLOW_ID_PREFIX):
                return workflow_id.removeprefix(WORKFLOW_ID_PREFIX)
    return tracing.current_decision()


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the process's own stderr (``sys.__stderr__``), looked up when a line is
    logged: never to a stream a caller swapped in for a while (a CLI runner capturing a
    command's output) and may have closed since."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.__stderr__ or sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def handler(stream: TextIO | None, *, as_json: bool) -> logging.Handler:
    """A handler writing to ``stream`` (None: the process's own stderr): JSON lines, or
    the terminal's text."""
    out = logging.StreamHandler(stream) if stream is not None else _Stderr()
    out.addFilter(DecisionAndTrace())
    if as_json:
        out.setFormatter(
            JsonFormatter(
                list(JSON_FIELDS),
                rename_fields=RENAMED,
                static_fields={},
                timestamp=False,
            )
        )
    else:
        out.setFormatter(logging.Formatter(TEXT_FORMAT))
    return out


def configure_logging(level: int = logging.WARNING, stream: TextIO | None = None) -> None:
    """Log ``level`` and above to stderr: text on a terminal, JSON lines otherwise.
    Called once per process; later calls change nothing."""
    root = logging.getLogger()
    if any(isinstance(f, DecisionAndTrace) for h in root.handlers for f in h.filters):
        return
    as_json = not (stream or sys.__stderr__ or sys.stderr).isatty()
    root.addHandler(handler(stream, as_json=as_json))
    root.setLevel(level)
