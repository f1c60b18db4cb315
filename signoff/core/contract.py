"""The contract between Signoff's workflows and everyone who talks to them.

The client, ``request_signoff`` and the bots reach a decision only through these names
and models, never by importing the workflow classes, so the faces stay above the
workflows and below nothing. Renaming anything here breaks decisions in flight.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel

from signoff.core.models import ActionResult, AuditEvent, DecisionRequest, DecisionState, Vouch

DECISION_WORKFLOW = "signoff.Decision"
REFUSAL_AUDIT_WORKFLOW = "signoff.RefusalAudit"
POLICY_CHANGE_WORKFLOW = "signoff.PolicyChange"
CIRCUIT_BREAKER_WORKFLOW = "signoff.CircuitBreaker"
OUTCOME_REPORT_WORKFLOW = "signoff.OutcomeReport"
MONITOR_WORKFLOW = "signoff.Monitor"
STARTED_UPDATE = "started"
"""Answers with the decision's state once its policy is resolved and routed."""
STATE_QUERY = "state"
WORKFLOW_ID_PREFIX = "signoff-"
REFUSAL_ID_PREFIX = "signoff-refusal-"
OUTCOME_ID_PREFIX = "signoff-outcome-"
OPERATIONS_CHAIN_PREFIX = "ops/"
"""Operations chains (events that belong to no decision) are named ``ops/YYYY-MM-DD``:
a ``/``, which no decision id may hold, so none ever names one."""
OPERATIONS_WORKFLOW_PREFIX = f"signoff-{OPERATIONS_CHAIN_PREFIX}"
RECORD_AUDIT_ACTIVITY = "signoff.record_audit"
"""The activity whose inputs are the audit events: in history, they are the record
``signoff audit verify --against-temporal`` compares the store with."""
RECORD_OUTCOME_ACTIVITY = "signoff.record_outcome"


class ErrorType(StrEnum):
    """``ApplicationError.type`` values a decision raises."""

    REFUSED = "SignoffRefused"
    """A person's action was refused; ``details[0]`` is a :class:`RefusalCode` or a
    policy's refusal code, and ``details[1:]`` may hold :attr:`RefusalCode.AUDITED`."""
    INVALID_POLICY = "InvalidPolicy"
    """The decision's policy is unknown or names nobody the directory knows."""
    FORGED_CARRY = "ForgedCarry"
    """A start request brought a carried state, which only continue-as-new may."""
    INVALID_INPUT = "InvalidInput"
    """A start request's input is not a valid decision (started without the client,
    which validates first): the workflow fails at once rather than retrying forever."""
    WEBHOOK_FAILED = "WebhookFailed"
    """An outcome webhook got no answer or a 408, 429 or 5xx: it is sent again."""
    OUTCOME_CONFLICT = "OutcomeConflict"
    """An outcome report's key names another report already recorded: the first stays."""
    WEBHOOK_REFUSED = "WebhookRefused"
    """An outcome webhook's receiver refused it with another 4xx: sending the same
    delivery again cannot succeed."""


class RefusalCode(StrEnum):
    """Refusal codes the workflow itself gives (the policy's own are in
    :mod:`signoff.core.policy.permissions`)."""

    STARTING = "starting"
    """The decision is still resolving its policy: try again in a moment."""
    RETRY = "retry"
    """The decision is moving to a fresh history: try again."""
    CLOSED = "closed"
    """The feedback window has closed."""
    AUDITED = "audited"
    """Not a code but a marker after it: the workflow audited the refusal itself."""
    BUSY = "busy"
    """The client gave up retrying a decision that kept asking to try again."""


RETRY_CODES = frozenset({RefusalCode.STARTING, RefusalCode.RETRY})


def workflow_id_for(decision_id: str) -> str:
    """The decision id is the idempotency key: one workflow id per decision."""
    return f"{WORKFLOW_ID_PREFIX}{decision_id}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._\-]", "_", text)[:100]


def refusal_prefix(decision_id: str) -> str:
    """Every refusal audit workflow of ``decision_id`` has an id starting so."""
    return f"{REFUSAL_ID_PREFIX}{_safe(decision_id)}-"


def refusal_workflow_id(decision_id: str, action_id: str) -> str:
    """One refusal audit per refused action: a retried refusal starts nothing new."""
    return f"{refusal_prefix(decision_id)}{_safe(action_id)}"


def outcome_prefix(decision_id: str) -> str:
    """Every outcome-report workflow of ``decision_id`` has an id starting so."""
    return f"{OUTCOME_ID_PREFIX}{_safe(decision_id)}-"


def outcome_workflow_id(decision_id: str, digest: str) -> str:
    """One workflow id per reported outcome (:meth:`OutcomeReport.digest`): twenty
    callers reporting it at once join one run."""
    return f"{outcome_prefix(decision_id)}{digest}"


def operations_chain(at: datetime) -> str:
    """The operations chain of ``at``'s day (UTC): one chain a day keeps each chain short
    enough to verify in one read, and lets an auditor ask for a day's events by id."""
    return f"{OPERATIONS_CHAIN_PREFIX}{at.astimezone(UTC):%Y-%m-%d}"


def is_operations_chain(chain_id: str) -> bool:
    return chain_id.startswith(OPERATIONS_CHAIN_PREFIX)


def operations_prefix(chain_id: str) -> str:
    """Every audit workflow of operations chain ``chain_id`` has an id starting so. All
    of them start with :data:`OPERATIONS_WORKFLOW_PREFIX`, whose ``/`` no decision's or
    refusal's workflow id can hold."""
    return f"signoff-{chain_id}/"


def operations_workflow_id(chain_id: str, attempt_id: str) -> str:
    """One audit workflow per operations event: recording it again starts nothing new."""
    return f"{operations_prefix(chain_id)}{_safe(attempt_id)}"


def operations_event_id(chain_id: str, kind: str, attempt_id: str) -> str:
    """The id of an operations event: one per kind and attempt in its chain."""
    return f"{chain_id}/{kind}/{_safe(attempt_id)}"


def chain_of_operations_workflow(workflow_id: str) -> str:
    """The chain an operations audit workflow writes to (from its id)."""
    return workflow_id.removeprefix("signoff-").rpartition("/")[0]


def outcome_signal(decision_id: str) -> str:
    """The signal a decision sends to ``request.notify_workflow_id`` with each outcome;
    named per decision so one workflow can wait on several."""
    return f"signoff.outcome.{decision_id}"


class DecisionCarry(BaseModel):
    """What a decision takes across continue-as-new: its state, its place in the audit
    chain, and the ids of actions already applied (the server forgets them per run)."""

    state: DecisionState
    next_seq: int
    applied: dict[str, ActionResult]


class DecisionWorkflowInput(BaseModel):
    request: DecisionRequest
    submission: Vouch | None = None
    """A surface's word that the requester submitted the request: what lets a
    policy author's inline policy through (:func:`signoff.core.vouching.submission_refusal`)."""
    carry: DecisionCarry | None = None
    continue_as_new_after_events: int = 4_000


class RefusalAuditInput(BaseModel):
    """One audit event a surface records outside any decision's workflow: a refusal on a
    decision, or an operations event (:func:`operations_chain`)."""

    event: AuditEvent


class OutcomeReportInput(BaseModel):
    """The outcome event to record, made by the client when the report arrived."""

    event: AuditEvent


class OutcomeReportResult(BaseModel):
    """The outcome event as the store holds it: this run's, or, when an earlier run
    recorded the same report (a retry after that run completed), that run's."""

    event: AuditEvent
    duplicate: bool = False
