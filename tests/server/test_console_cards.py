"""The cards the console draws, without a server: what each person is offered, in
which order, and in which words."""

from __future__ import annotations

from datetime import timedelta

from signoff.core.models import Directory, Principal, Role, Status
from signoff.server.console.inbox import by_deadline
from signoff.server.console.rendering import Card, card
from tests.helpers.builders import SUBMITTED_AT, make_outcome, make_request, make_state

ALICE = Principal(id="alice", name="Alice")
CAROL = Principal(id="carol", name="Carol")  # an expert of the plan: involved
AUDREY = Principal(id="audrey", name="Audrey", roles=[Role.AUDITOR])


DIRECTORY = Directory(
    people=[
        ALICE,
        Principal(id="bob", name="Bob"),
        CAROL,
        Principal(id="app:refunds-bot", name="Refunds bot"),
    ]
)


def test_someone_asked_is_offered_chat_s_actions_each_under_a_fresh_action_id() -> None:
    state = make_state()
    first, second = card(state, ALICE, DIRECTORY), card(state, ALICE, DIRECTORY)
    assert [f.kind.value for f in first.forms] == [
        "approve",
        "reject",
        "edit",
        "request_changes",
        "escalate",
        "delegate",
        "comment",
    ]
    assert {f.action_id for f in first.forms}.isdisjoint(f.action_id for f in second.forms)
    assert first.ai_words == "AI suggests"


def test_an_edit_starts_from_the_whole_proposal_and_a_vote_goes_to_someone_not_asked() -> None:
    state = make_state()
    forms = {f.kind.value: f for f in card(state, ALICE, DIRECTORY).forms}
    assert forms["edit"].edit_text == state.request.proposal.text
    # Bob is asked already, and an application is nobody to hand a vote to.
    assert [p.id for p in forms["delegate"].delegates] == ["carol"]
    assert forms["comment"].reason_required


def test_nobody_is_offered_what_would_be_refused() -> None:
    only_comment = ["comment"]
    assert [f.kind.value for f in card(make_state(), CAROL).forms] == only_comment  # not asked
    decided = make_state(status=Status.APPROVED, outcome=make_outcome())
    assert [f.kind.value for f in card(decided, ALICE).forms] == only_comment
    # An auditor reads it, but a decision that does not involve them is not theirs to
    # comment on.
    assert card(make_state(), AUDREY).forms == []
    # Without anyone to hand it to, no delegate form.
    assert "delegate" not in [f.kind.value for f in card(make_state(), ALICE).forms]


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
