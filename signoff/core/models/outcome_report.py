"""A decision's real-world outcome, as the application reports it at any later time.

Ground truth from experts is given while a decision's feedback window is open; what
really happened (a chargeback, a repaid loan, an appeal upheld) often arrives months
later, after the decision's workflow has completed. Such a report is audited into the
decision's chain from outside its workflow and kept apart from expert labels, so every
metric can say which kind of truth it used (:class:`LabelSource`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from signoff.core.models.audit_event import AuditEvent, AuditKind
from signoff.core.models.label_source import LabelSource

MAX_LABEL = 500
MAX_SOURCE = 200
MAX_KEY = 100
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a reported ``at`` may lie: the reporter's clock may run a
little ahead of ours; an outcome further ahead has not happened yet."""

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL)]
SourceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SOURCE)
]
ReportKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_KEY, pattern=r"^[A-Za-z0-9._:\-]+$"),
]


class OutcomeReport(BaseModel):
    """What an application says happened to a decision in the world.

    Args:
        label: The outcome, in the application's words (``chargeback``, ``repaid``).
        source: The system reporting it, free text (``chargeback-feed``).
        at: When it happened in the world (with a time zone); not in the future.
        key: Names this report for good: the same decision, source and key are recorded
            once. Without one, the report's source, time and label make the key, so the
            same report sent twice is the same report.
    """

    model_config = ConfigDict(extra="forbid")

    label: Label
    source: SourceName
    at: AwareDatetime
    key: ReportKey | None = None

    @model_validator(mode="after")
    def _not_ahead(self) -> OutcomeReport:
        # Checked only where a report enters (client, API): workflows carry the event.
        try:
            self.at.astimezone(UTC)
        except OverflowError:  # year 1 at +14:00 is before the first instant in UTC
            raise ValueError("at: the time is before the earliest time there is in UTC") from None
        if self.at > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError(
                "at: the outcome cannot have happened in the future"
                f" (more than {int(CLOCK_SKEW.total_seconds() // 60)} minutes ahead)"
            )
        return self

    @property
    def identity(self) -> str:
        """The report's key: the one given, or one made of its source, time and label."""
        if self.key is not None:
            return self.key
        said = json.dumps([self.source, self.at.astimezone(UTC).isoformat(), self.label])
        return "auto-" + hashlib.sha256(said.encode()).hexdigest()[:32]

    def digest(self) -> str:
        """What names the report inside its decision: its source and key, hashed so any
        text fits an id and ``a/b`` + ``c`` never meets ``a`` + ``b/c``."""
        return hashlib.sha256(json.dumps([self.source, self.identity]).encode()).hexdigest()[:40]


class ReportedOutcome(BaseModel):
    """An outcome as recorded in the decision's audit chain."""

    decision_id: str
    event_id: str
    label: str
    source: str
    at: datetime
    """When it happened in the world."""
    recorded_at: datetime
    """When the audit chain recorded it (the first time it was reported)."""
    key: str
    reported_by: str | None = None
    """Who reported it: an application's principal (``app:NAME``) or an operator."""
    duplicate: bool = False
    """This call repeated a report recorded before: nothing new was written."""


class DecisionLabel(BaseModel):
    """One label a decision has, and where it comes from."""

    source: LabelSource
    label: str
    at: datetime
    by: list[str] = Field(default_factory=list)
    """Who gave it: experts, reviewers, a person's thumb, or the reporting system."""
    event_id: str | None = None


OUTCOME_MARK = "/outcome/"
"""In the event id of every reported outcome, and of nothing else."""


def outcome_event(
    decision_id: str, report: OutcomeReport, *, reported_by: str, via: str, now: datetime
) -> AuditEvent:
    """The audit event that records ``report``: one event id per decision, source and key."""
    return AuditEvent(
        event_id=f"{decision_id}{OUTCOME_MARK}{report.digest()}",
        decision_id=decision_id,
        kind=AuditKind.OUTCOME_REPORTED,
        at=now,
        actor=reported_by,
        data={
            "label": report.label,
            "source": report.source,
            "happened_at": report.at.astimezone(UTC).isoformat(),
            "key": report.identity,
            "via": via,
        },
    )


REPORTED_FIELDS = ("label", "source", "happened_at", "key")
"""What makes two outcome events the same report (who sent it and when it was recorded
may differ between a report and its retry)."""


def same_report(one: AuditEvent, other: AuditEvent) -> bool:
    return all(one.data.get(name) == other.data.get(name) for name in REPORTED_FIELDS)


def reported(event: AuditEvent, *, duplicate: bool = False) -> ReportedOutcome:
    """The :class:`ReportedOutcome` an outcome event records."""
    data = event.data
    return ReportedOutcome(
        decision_id=event.decision_id,
        event_id=event.event_id,
        label=data["label"],
        source=data["source"],
        at=datetime.fromisoformat(data["happened_at"]),
        recorded_at=event.at,
        key=data["key"],
        reported_by=event.actor,
        duplicate=duplicate,
    )


def conflict_sentence(stored: AuditEvent) -> str:
    """What a report is told when its key already names ``stored``, another outcome."""
    data = stored.data
    return (
        f"The key '{data.get('key')}' of source '{data.get('source')}' already names another"
        f" outcome of decision '{stored.decision_id}' (label '{data.get('label')}' at"
        f" {data.get('happened_at')}); report this one under another key."
    )
