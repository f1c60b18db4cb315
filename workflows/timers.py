"""Timer-driven transitions: reminders, the stage SLA and the decision's absolute expiry."""

from __future__ import annotations

from datetime import datetime

from signoff.core import messages
from signoff.core.channel_protocol import Notice
from signoff.core.models import AuditKind, Status, TimeoutAction
from signoff.workflows.lifecycle import TIMEOUT_ACTOR, Lifecycle


def next_timer(life: Lifecycle) -> datetime | None:
    """When the next reminder, SLA or expiry falls due while the decision is pending."""
    state = life.state
    if state.status.is_final or state.stage is None:
        return None
    stage = state.stage
    reminders = state.plan.policy.stages[stage.index].reminders
    due = [d for d in (state.expires_at, stage.deadline) if d is not None]
    if stage.reminders_sent < len(reminders):
        due.append(stage.started_at + reminders[stage.reminders_sent])
    return min(due) if due else None


def fire_due_timers(life: Lifecycle, now: datetime) -> None:
    """Apply whichever timer is due at ``now``: expiry first, then the SLA, then reminders."""
    state, stage = life.state, life.state.stage
    if state.status.is_final or stage is None:
        return
    if state.expires_at is not None and now >= state.expires_at:
        life.record(AuditKind.TIMED_OUT, now, actor=TIMEOUT_ACTOR, detail="decision expired")
        life.finalize(Status.EXPIRED, now, decided_by=[TIMEOUT_ACTOR], reason="expired")
        return
    if stage.deadline is not None and now >= stage.deadline:
        _stage_timed_out(life, now)
        return
    reminders = state.plan.policy.stages[stage.index].reminders
    if stage.reminders_sent < len(reminders) and now >= (
        stage.started_at + reminders[stage.reminders_sent]
    ):
        stage.reminders_sent += 1
        waiting = stage.waiting_on
        life.record(AuditKind.REMINDER_SENT, now, actor=TIMEOUT_ACTOR, data={"to": waiting})
        life.notices.append(
            Notice(
                kind="reminder",
                recipients=waiting,
                text=messages.NOTICE_REMINDER.format(title=state.request.title),
            )
        )


_TIMEOUT_STATUS = {
    TimeoutAction.APPROVE: Status.APPROVED,
    TimeoutAction.REJECT: Status.REJECTED,
    TimeoutAction.EXPIRE: Status.EXPIRED,
}


def _stage_timed_out(life: Lifecycle, now: datetime) -> None:
    stage = life.state.stage
    assert stage is not None
    action = life.state.plan.policy.stages[stage.index].on_timeout
    life.record(
        AuditKind.TIMED_OUT,
        now,
        actor=TIMEOUT_ACTOR,
        detail=f"stage '{stage.name}' passed its SLA: {action.value}",
        data={"on_timeout": action.value},
    )
    has_next = stage.index + 1 < len(life.state.plan.stages)
    if action is TimeoutAction.ESCALATE and has_next:
        life.escalate(now, actor=TIMEOUT_ACTOR, reason="SLA passed")
        return
    status = _TIMEOUT_STATUS.get(action, Status.EXPIRED)
    if status is Status.APPROVED and life.state.edit is not None and life.timeout_keeps_edit:
        status = Status.APPROVED_WITH_EDITS  # the reviewer's edit is what gets approved
    life.finalize(status, now, decided_by=[TIMEOUT_ACTOR], reason="SLA passed")
