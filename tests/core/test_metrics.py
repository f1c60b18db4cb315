"""Which audit events count in which of Signoff's series, and under which labels: the
one mapping the workflow records through its replay-safe meter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from signoff.core import metrics
from signoff.core.models import AuditEvent, AuditKind

SUBMITTED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def event(kind: AuditKind, at: datetime = SUBMITTED, **data: Any) -> AuditEvent:
    return AuditEvent(event_id=f"d/{kind}", decision_id="d", kind=kind, at=at, data=data)


def observed(*events: AuditEvent) -> list[tuple[str, float, dict[str, str]]]:
    found = metrics.observations(events, use_case="loans", submitted_at=SUBMITTED)
    return [(series.name, value, labels) for series, value, labels in found]


def test_a_final_outcome_counts_the_decision_and_its_time_from_submission() -> None:
    decided = SUBMITTED + timedelta(minutes=90)
    finalized = event(AuditKind.FINALIZED, decided, outcome={"status": "rejected"})

    assert observed(finalized) == [
        ("signoff_decisions_decided", 1, {"use_case": "loans", "outcome": "rejected"}),
        ("signoff_time_to_decision_seconds", 5400.0, {"use_case": "loans", "outcome": "rejected"}),
    ]


def test_a_stage_that_passed_its_sla_and_escalated_counts_a_breach_and_an_escalation() -> None:
    names = [
        name
        for name, _, labels in observed(
            event(AuditKind.TIMED_OUT, on_timeout="escalate"),
            event(AuditKind.ESCALATED, reason="SLA passed"),
        )
        if labels == {"use_case": "loans"}
    ]

    assert names == ["signoff_sla_breaches", "signoff_escalations"]


def test_a_refusal_counts_by_its_code_alone() -> None:
    assert observed(event(AuditKind.REFUSED, code="separation_of_duties", action="approve")) == [
        ("signoff_refusals", 1, {"code": "separation_of_duties"})
    ]


def test_votes_comments_and_feedback_count_in_no_series() -> None:
    kinds = (AuditKind.VOTED, AuditKind.COMMENTED, AuditKind.FEEDBACK, AuditKind.STAGE_STARTED)
    assert observed(*(event(kind) for kind in kinds)) == []


def test_every_histogram_has_buckets_for_the_exporter() -> None:
    histograms = [s.name for s in metrics.ALL_SERIES if s.kind == "histogram"]
    assert sorted(histograms) == sorted(metrics.BUCKETS)
