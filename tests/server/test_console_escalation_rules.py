"""Which pending decisions the escalations page shows a manager, without a server: past
their stage's deadline, escalated, or expiring within a day; only those the manager may
override; filtered by stage, age and use case."""

from __future__ import annotations

from datetime import timedelta

from signoff.core.models import Principal, Status
from signoff.core.models.state import HistoryEntry
from signoff.server.console.escalations import escalations, filtered, needs_a_manager
from tests.helpers.builders import SUBMITTED_AT, make_outcome, make_request, make_state

DAVE = Principal(id="dave", name="Dave")


def test_a_decision_is_shown_for_each_reason_it_needs_a_manager() -> None:
    state = make_state()  # its stage is due two hours after submission
    assert needs_a_manager(state, SUBMITTED_AT) == ["expiring within 24 h"]
    assert needs_a_manager(state, SUBMITTED_AT + timedelta(hours=3)) == ["past deadline"]
    escalated = state.model_copy(
        update={"history": [HistoryEntry(at=SUBMITTED_AT, kind="escalated", actor="bob")]}
    )
    assert "escalated" in needs_a_manager(escalated, SUBMITTED_AT + timedelta(days=2))
    assert needs_a_manager(state, SUBMITTED_AT - timedelta(days=2)) == []


def test_only_pending_decisions_the_manager_may_override_are_listed_and_filters_narrow() -> None:
    late = SUBMITTED_AT + timedelta(hours=3)
    theirs = make_state()
    plan = theirs.plan.model_copy(update={"overriders": ["dave"]})
    mine = theirs.model_copy(update={"plan": plan})
    other = make_state(request=make_request(id="other", use_case="loans")).model_copy(
        update={"plan": plan}
    )
    decided = mine.model_copy(update={"status": Status.APPROVED, "outcome": make_outcome()})
    nobodys = mine.model_copy(update={"plan": plan.model_copy(update={"overriders": ["erin"]})})
    found = escalations([mine, other, decided, nobodys], DAVE, late)
    assert [e.state.decision_id for e in found] == [mine.decision_id, "other"]
    assert [e.state.decision_id for e in filtered(found, "", "", "loans")] == ["other"]
    assert filtered(found, "support leads", "1h", "") == found
    assert filtered(found, "", "1d", "") == []
    assert filtered(found, "seniors", "", "") == []
