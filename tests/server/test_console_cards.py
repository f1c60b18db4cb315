"""The cards the console draws, without a server: what each person is offered, in
which order, and in which words."""

from __future__ import annotations

from datetime import timedelta

from signoff.core.models import Principal, Status
from signoff.server.console.inbox import by_deadline
from signoff.server.console.rendering import Card, card
from tests.helpers.builders import SUBMITTED_AT, make_outcome, make_request, make_state

ALICE = Principal(id="alice", name="Alice")
CAROL = Principal(id="carol", name="Carol")


def test_someone_asked_is_offered_approve_and_reject_each_under_a_fresh_action_id() -> None:
    state = make_state()
    first, second = card(state, ALICE), card(state, ALICE)
    assert [f.kind.value for f in first.forms] == ["approve", "reject"]
    assert {f.action_id for f in first.forms}.isdisjoint(f.action_id for f in second.forms)
    assert first.ai_words == "AI suggests"


def test_nobody_is_offered_what_would_be_refused() -> None:
    assert card(make_state(), CAROL).forms == []  # not asked
    decided = make_state(status=Status.APPROVED, outcome=make_outcome())
    assert card(decided, ALICE).forms == []


def test_an_automatic_approval_reads_as_the_ai_s_decision() -> None:
    automatic = make_state(
        status=Status.AUTO_APPROVED, stage=None, outcome=make_outcome(status=Status.AUTO_APPROVED)
    )
    assert card(automatic, ALICE).ai_words == "AI decided"


def test_the_inbox_puts_the_soonest_deadline_first_and_none_last() -> None:
    def due(decision_id: str, hours: float | None) -> Card:
        state = make_state(request=make_request(id=decision_id))
        assert state.stage is not None
        deadline = None if hours is None else SUBMITTED_AT + timedelta(hours=hours)
        return card(
            state.model_copy(
                update={"stage": state.stage.model_copy(update={"deadline": deadline})}
            ),
            ALICE,
        )

    cards = [due("later", 5), due("whenever", None), due("soon", 1)]
    assert [c.view.decision_id for c in by_deadline(cards)] == ["soon", "later", "whenever"]
