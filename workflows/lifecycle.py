"""The review lifecycle as plain state transitions on a :class:`DecisionState`.

Pure and synchronous on purpose: the workflow calls it from Update handlers and timer
wake-ups, so every transition happens atomically between awaits, and the same code is
unit-testable without a Temporal server. Each transition appends audit events and
notices to outboxes that the workflow drains through activities.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from signoff.core import messages
from signoff.core.channel_protocol import Notice
from signoff.core.models import (
    Action,
    AuditEvent,
    AuditKind,
    DecisionPlan,
    DecisionRequest,
    DecisionState,
    HistoryEntry,
    Outcome,
    Override,
    StageState,
    Status,
)
from signoff.core.policy import Refusal, Route

TIMEOUT_ACTOR = "signoff:timer"
POLICY_ACTOR = "signoff:policy"


class Lifecycle:
    def __init__(self, state: DecisionState, next_seq: int = 0) -> None:
        self.state = state
        self.next_seq = next_seq
        self.events_to_record: list[AuditEvent] = []
        self.notices: list[Notice] = []
        self.deliveries: list[Outcome] = []
        # Whether an approval by timeout keeps a reviewer's edit: patch
        # ``timeout-keeps-edit``, asked for by DecisionWorkflow._review.
        self.timeout_keeps_edit = False
        # The signed word of the surface behind the action being applied, kept with the
        # events its actor causes: see :meth:`vouched`.
        self.vouch: tuple[str, dict[str, Any]] | None = None

    # -- recording ---------------------------------------------------------------------

    @contextmanager
    def vouched(self, actor: str, record: dict[str, Any] | None) -> Iterator[None]:
        """While applying ``actor``'s action, keep ``record`` (what its surface signed)
        with every event ``actor`` causes; nothing when ``record`` is None."""
        self.vouch = None if record is None else (actor, record)
        try:
            yield
        finally:
            self.vouch = None

    def record(
        self,
        kind: AuditKind,
        at: datetime,
        *,
        actor: str | None = None,
        detail: str | None = None,
        data: dict[str, Any] | None = None,
        visible: bool = True,
    ) -> AuditEvent:
        """Append an audit event and a history line; ``visible`` events change what a
        card shows, so they mark the state changed and cards are redrawn."""
        stage = self.state.stage.index if self.state.stage else None
        if self.vouch is not None and actor == self.vouch[0]:
            data = {**(data or {}), "vouch": self.vouch[1]}
        event = AuditEvent(
            event_id=f"{self.state.decision_id}/{self.next_seq:06d}",
            decision_id=self.state.decision_id,
            kind=kind,
            at=at,
            actor=actor,
            stage=stage,
            data=data or {},
        )
        self.next_seq += 1
        self.events_to_record.append(event)
        self.state.history.append(
            HistoryEntry(at=at, kind=kind.value, actor=actor, stage=stage, detail=detail)
        )
        if visible:
            self.state.version += 1
        return event

    def refused(self, action: Action, refusal: Refusal, at: datetime) -> None:
        self.record(
            AuditKind.REFUSED,
            at,
            actor=action.actor,
            detail=refusal.message,
            data={
                "action": action.kind.value,
                "action_id": action.action_id,
                "code": refusal.code,
                "via": action.via,
                **({"vouch": action.vouch.model_dump(mode="json")} if action.vouch else {}),
            },
        )

    # -- start -------------------------------------------------------------------------

    @classmethod
    def begin(
        cls, request: DecisionRequest, plan: DecisionPlan, route: Route, now: datetime
    ) -> Lifecycle:
        policy = plan.policy
        state = DecisionState(
            decision_id=request.id,
            request=request,
            plan=plan,
            route_reason=route.reason,
            sampled_for_qa=route.sampled_for_qa,
            submitted_at=now,
            expires_at=now + policy.expires_after if policy.expires_after else None,
        )
        life = cls(state)
        life.record(
            AuditKind.SUBMITTED,
            now,
            actor=request.requester,
            detail=request.title,
            data={"request": request.model_dump(mode="json"), "plan": plan.model_dump(mode="json")},
        )
        life.record(
            AuditKind.ROUTED,
            now,
            actor=POLICY_ACTOR,
            detail=route.reason,
            data={"human": route.human, "reason": route.reason},
        )
        if route.human:
            life.start_stage(0, now)
        else:
            if route.sampled_for_qa:
                life.record(AuditKind.SAMPLED_FOR_QA, now, actor=POLICY_ACTOR)
            life.finalize(Status.AUTO_APPROVED, now, decided_by=[POLICY_ACTOR], reason=route.reason)
        return life

    def start_stage(self, index: int, now: datetime) -> None:
        planned = self.state.plan.stages[index]
        policy_stage = self.state.plan.policy.stages[index]
        if self.state.stage is not None:
            self.state.past_stages.append(self.state.stage)
        self.state.stage = StageState(
            index=index,
            name=planned.name,
            asked=list(planned.approvers),
            quorum=planned.quorum,
            started_at=now,
            deadline=now + policy_stage.sla if policy_stage.sla else None,
        )
        self.record(
            AuditKind.STAGE_STARTED,
            now,
            actor=POLICY_ACTOR,
            detail=f"asked {', '.join(planned.approvers)}",
            data={"name": planned.name, "asked": planned.approvers},
        )

    def escalate(self, now: datetime, *, actor: str, reason: str | None) -> None:
        """Hand the decision to the next stage and tell its people."""
        stage = self.state.stage
        assert stage is not None
        nxt = self.state.plan.stages[stage.index + 1]
        self.record(
            AuditKind.ESCALATED,
            now,
            actor=actor,
            detail=f"from '{stage.name}' to '{nxt.name}'" + (f": {reason}" if reason else ""),
            data={"from": stage.name, "to": nxt.name, "reason": reason},
        )
        self.start_stage(stage.index + 1, now)
        self.notices.append(
            Notice(
                kind="escalation",
                recipients=list(nxt.approvers),
                text=messages.NOTICE_ESCALATED.format(
                    stage=nxt.name, title=self.state.request.title
                )
                + (f" — {reason}" if reason else ""),
            )
        )

    # -- finalization --------------------------------------------------------------------

    def finalize(
        self,
        status: Status,
        now: datetime,
        *,
        decided_by: list[str],
        reason: str | None,
        approved: bool | None = None,
        overrides: list[Override] | None = None,
    ) -> None:
        """Fix the outcome, audit it and queue its delivery; ``approved`` and
        ``overrides`` are given when a manager's override is what decides."""
        state, request = self.state, self.state.request
        edit = state.edit if status is Status.APPROVED_WITH_EDITS else None
        state.status = status
        state.outcome = Outcome(
            decision_id=state.decision_id,
            status=status,
            approved=status.lets_action_run if approved is None else approved,
            final_text=edit.text if edit and edit.text is not None else request.proposal.text,
            final_payload=(
                edit.payload if edit and edit.payload is not None else request.proposal.payload
            ),
            original_text=request.proposal.text if edit else None,
            original_payload=request.proposal.payload if edit else None,
            decided_by=decided_by,
            reason=reason,
            decided_at=now,
            submitted_at=state.submitted_at,
            overrides=overrides or [],
        )
        state.feedback_until = now + state.plan.policy.feedback_window
        self.record(
            AuditKind.FINALIZED,
            now,
            actor=decided_by[0] if decided_by else None,
            detail=status.value,
            data={"outcome": state.outcome.model_dump(mode="json")},
        )
        self.deliveries.append(state.outcome.model_copy(deep=True))
