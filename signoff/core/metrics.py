"""Signoff's own Prometheus series, as data: names, help, buckets, and which audit events
count in which series.

Every series is recorded through a Temporal ``MetricMeter`` (the workflow's, an
activity's or the worker runtime's), so they are served by the same exporter and on the
same ``/metrics`` as the Temporal SDK's own metrics (``SIGNOFF_METRICS_ADDRESS``). Labels
are few-valued on purpose: a use case, an outcome, a refusal code, a channel kind,
never a decision id or a person.

Decisions are counted from the audit events they record, so the series say what the
audit trail says; :func:`observations` is the one mapping, pure, for workflow code to
record through its replay-safe meter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from temporalio.common import MetricMeter

from signoff.core.models import AuditEvent, AuditKind

__all__ = [
    "ALL_SERIES",
    "AUDIT_WRITE_LATENCY",
    "BUCKETS",
    "CARD_DELIVERIES_FAILED",
    "CARD_OUTBOX_BACKLOG",
    "DECISIONS_DECIDED",
    "DECISIONS_STARTED",
    "ESCALATIONS",
    "OUTCOME_WEBHOOK_FAILURES",
    "OVERRIDES",
    "REFUSALS",
    "SLA_BREACHES",
    "TIME_TO_DECISION",
    "Series",
    "observations",
    "record",
]


@dataclass(frozen=True)
class Series:
    name: str
    description: str
    kind: Literal["counter", "histogram", "gauge"] = "counter"
    unit: str | None = None
    buckets: tuple[float, ...] = ()


DECISIONS_STARTED = Series("signoff_decisions_started", "Decisions submitted, by use case")
DECISIONS_DECIDED = Series(
    "signoff_decisions_decided", "Decisions that reached an outcome, by use case and outcome"
)
TIME_TO_DECISION = Series(
    "signoff_time_to_decision_seconds",
    "Seconds from submission to the outcome, by use case and outcome",
    kind="histogram",
    unit="s",
    # From an automatic answer to a week-long review.
    buckets=(1, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200, 604800),
)
ESCALATIONS = Series(
    "signoff_escalations", "Decisions handed to a later stage, by a person or an SLA, by use case"
)
SLA_BREACHES = Series(
    "signoff_sla_breaches",
    "Stage SLAs passed and decisions expired (each a timeout), by use case",
)
OVERRIDES = Series("signoff_overrides", "Managers' overrides, by use case")
REFUSALS = Series("signoff_refusals", "Actions refused, by refusal code")
AUDIT_WRITE_LATENCY = Series(
    "signoff_audit_write_latency_ms",
    "Milliseconds one audit write (events, state and queued cards) takes in the store",
    kind="histogram",
    unit="ms",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000),
)
CARD_DELIVERIES_FAILED = Series(
    "signoff_card_deliveries_failed",
    "Attempts to post or redraw a decision's cards that failed (retried), by channel kind",
)
CARD_OUTBOX_BACKLOG = Series(
    "signoff_card_outbox_backlog",
    "Decisions whose cards are owed a draw (due, leased or backing off), by task queue",
    kind="gauge",
)
OUTCOME_WEBHOOK_FAILURES = Series(
    "signoff_outcome_webhook_failures",
    "Outcome webhook deliveries that failed, by receiver host and whether refused for good",
)

ALL_SERIES = (
    DECISIONS_STARTED,
    DECISIONS_DECIDED,
    TIME_TO_DECISION,
    ESCALATIONS,
    SLA_BREACHES,
    OVERRIDES,
    REFUSALS,
    AUDIT_WRITE_LATENCY,
    CARD_DELIVERIES_FAILED,
    CARD_OUTBOX_BACKLOG,
    OUTCOME_WEBHOOK_FAILURES,
)
BUCKETS = {series.name: list(series.buckets) for series in ALL_SERIES if series.buckets}
"""Histogram buckets for the runtime's Prometheus exporter: its defaults suit neither
seconds to a human decision nor milliseconds of a store write."""

Observation = tuple[Series, float, dict[str, str]]


def observations(
    events: Iterable[AuditEvent], *, use_case: str | None, submitted_at: datetime | None
) -> Iterator[Observation]:
    """What ``events`` (a decision's, in the order recorded) add to the series."""
    case = {"use_case": use_case or ""}
    for event in events:
        kind = event.kind
        if kind is AuditKind.SUBMITTED:
            yield DECISIONS_STARTED, 1, case
        elif kind is AuditKind.FINALIZED:
            outcome = event.data.get("outcome") or {}
            labels = {**case, "outcome": str(outcome.get("status", ""))}
            yield DECISIONS_DECIDED, 1, labels
            if submitted_at is not None:
                seconds = max((event.at - submitted_at).total_seconds(), 0.0)
                yield TIME_TO_DECISION, seconds, labels
        elif kind is AuditKind.ESCALATED:
            yield ESCALATIONS, 1, case
        elif kind is AuditKind.TIMED_OUT:
            yield SLA_BREACHES, 1, case
        elif kind is AuditKind.OVERRIDDEN:
            yield OVERRIDES, 1, case
        elif kind is AuditKind.REFUSED:
            yield REFUSALS, 1, {"code": str(event.data.get("code") or "unknown")}


def record(meter: MetricMeter, series: Series, value: float, labels: dict[str, str]) -> None:
    """Add ``value`` to ``series`` (set it, for a gauge) under ``labels``."""
    if series.kind == "counter":
        meter.create_counter(series.name, series.description, series.unit).add(int(value), labels)
    elif series.kind == "histogram":
        meter.create_histogram_float(series.name, series.description, series.unit).record(
            value, labels
        )
    else:
        meter.create_gauge(series.name, series.description, series.unit).set(int(value), labels)
