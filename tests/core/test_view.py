"""The channel-neutral card: what every approver sees, whichever chat they use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from signoff.core.card_view import actions_for, card_view, confidence_words
from signoff.core.models import (
    ActionKind,
    Edit,
    FeedbackState,
    Override,
    Quorum,
    StageState,
    Status,
    Vote,
)
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_outcome,
    make_plan,
    make_policy,
    make_request,
    make_state,
)

PENDING_ACTIONS = [
    ActionKind.APPROVE,
    ActionKind.REJECT,
    ActionKind.EDIT,
    ActionKind.REQUEST_CHANGES,
    ActionKind.ESCALATE,
    ActionKind.DELEGATE,
    ActionKind.OVERRIDE,
]


def last_stage() -> StageState:
    return StageState(
        index=1,
        name="managers",
        asked=["dave", "erin"],
        quorum=Quorum(),
        started_at=SUBMITTED_AT,
        deadline=SUBMITTED_AT + timedelta(days=1),
    )


def test_a_pending_decision_offers_every_review_action_and_override_to_managers():
    view = card_view(make_state())

    assert view.badge == "AI suggestion — needs your sign-off"
    assert view.actions == PENDING_ACTIONS
    assert view.manager_only == [ActionKind.OVERRIDE]
    assert view.stage is not None
    assert (view.stage.name, view.stage.index, view.stage.total) == ("support leads", 0, 2)
    assert view.stage.waiting_on == ["alice", "bob"]
    assert view.deadline == SUBMITTED_AT + timedelta(hours=2)


def test_the_card_says_which_actions_need_a_reason_as_the_policy_has_it():
    assert card_view(make_state()).reason_required == [
        ActionKind.REJECT,
        ActionKind.REQUEST_CHANGES,
        ActionKind.OVERRIDE,
    ]
    policy = make_policy(reason_required=["approve", "escalate", "delegate"])

    view = card_view(make_state(plan=make_plan(policy)))

    assert view.reason_required == [
        ActionKind.APPROVE,
        ActionKind.ESCALATE,
        ActionKind.DELEGATE,
        ActionKind.OVERRIDE,  # an override always needs a reason
    ]


def test_only_actions_on_the_card_are_marked_as_needing_a_reason():
    policy = make_policy(reason_required=["approve", "escalate"])
    state = make_state(
        plan=make_plan(policy),
        status=Status.APPROVED,
        outcome=make_outcome(status=Status.APPROVED, decided_by=["bob"]),
    )

    assert card_view(state).reason_required == [ActionKind.OVERRIDE]


def test_a_policy_without_edits_offers_no_edit():
    state = make_state(plan=make_plan(make_policy(allow_edits=False)))

    assert ActionKind.EDIT not in card_view(state).actions


def test_the_last_stage_offers_no_escalation():
    view = card_view(make_state(stage=last_stage()))

    assert ActionKind.ESCALATE not in view.actions
    assert ActionKind.APPROVE in view.actions


def test_an_auto_approved_decision_says_it_was_decided_automatically():
    state = make_state(
        status=Status.AUTO_APPROVED,
        stage=None,
        outcome=make_outcome(status=Status.AUTO_APPROVED, decided_by=[]),
    )

    view = card_view(state)

    assert view.badge == "Decided automatically"
    assert view.deadline is None


def test_an_automatic_approval_sampled_for_qa_asks_its_reader_to_look_back():
    state = make_state(
        status=Status.AUTO_APPROVED,
        stage=None,
        sampled_for_qa=True,
        outcome=make_outcome(status=Status.AUTO_APPROVED, decided_by=[]),
    )

    view = card_view(state)

    assert view.badge.startswith("Decided automatically — picked for a QA look back")
    assert {ActionKind.THUMB, ActionKind.CORRECTION} <= set(view.actions)
    assert state.qa_reviewers == state.plan.stages[0].approvers


def test_the_requester_is_not_asked_to_look_back_at_their_own_sampled_decision():
    state = make_state(sampled_for_qa=True, request=make_request(requester="alice"))

    assert "alice" in state.plan.stages[0].approvers
    assert "alice" not in state.qa_reviewers


def test_a_cancelled_decision_offers_feedback_only():
    state = make_state(
        status=Status.CANCELLED,
        outcome=make_outcome(status=Status.CANCELLED, approved=False, decided_by=["rita"]),
    )
    view = card_view(state)
    assert view.actions == [ActionKind.THUMB, ActionKind.CORRECTION]
    assert view.manager_only == []


def test_a_final_decision_offers_feedback_and_the_managers_override():
    state = make_state(
        status=Status.REJECTED,
        outcome=make_outcome(
            status=Status.REJECTED, approved=False, decided_by=["bob"], reason="no photo"
        ),
        feedback=FeedbackState(thumbs={"alice": "up", "carol": "up", "dave": "down"}),
    )

    view = card_view(state)

    assert view.actions == [ActionKind.THUMB, ActionKind.CORRECTION, ActionKind.OVERRIDE]
    assert view.manager_only == [ActionKind.OVERRIDE]
    assert view.badge == "Rejected"
    assert view.outcome is not None
    assert (view.outcome.words, view.outcome.standing_on) == ("Rejected", ["bob"])
    assert view.outcome.reason == "no photo"
    assert (view.feedback.thumbs_up, view.feedback.thumbs_down) == (2, 1)


def test_an_overridden_decision_rests_on_the_manager_who_overrode_it():
    outcome = make_outcome(
        status=Status.OVERRIDDEN,
        overrides=[
            Override(
                actor="dave",
                verdict="reject",
                reason="policy changed",
                at=SUBMITTED_AT + timedelta(hours=1),
                previous_status=Status.APPROVED,
            )
        ],
    )

    view = card_view(make_state(status=Status.OVERRIDDEN, outcome=outcome))

    assert view.outcome is not None
    assert view.outcome.standing_on == ["dave"]
    assert view.outcome.overridden


def test_votes_and_the_edit_are_on_the_card():
    stage = make_state().stage
    assert stage is not None
    stage.votes = [Vote(actor="bob", verdict="reject", reason="too much", at=SUBMITTED_AT)]
    edit = Edit(actor="alice", text="Refund 30 EUR.", at=SUBMITTED_AT)

    view = card_view(make_state(stage=stage, edit=edit))

    assert [(v.actor, v.verdict, v.reason) for v in view.votes] == [("bob", "reject", "too much")]
    assert view.stage is not None and view.stage.waiting_on == ["alice"]
    assert view.edit is not None and (view.edit.editor, view.edit.text) == (
        "alice",
        "Refund 30 EUR.",
    )


def test_a_long_proposal_is_truncated_and_says_so():
    text = "x" * 1000
    state = make_state(request=make_request(proposal={"text": text}))

    view = card_view(state, proposal_chars=100)

    assert view.proposal_truncated
    assert view.proposal_length == 1000
    assert view.proposal_text is not None and len(view.proposal_text) == 100
    assert view.proposal_text.endswith("…")


def test_a_short_proposal_is_shown_whole():
    view = card_view(make_state())

    assert not view.proposal_truncated
    assert view.proposal_text == make_request().proposal.text


def test_a_payload_is_summarised():
    request = make_request(proposal={"payload": {"amount": 40, "currency": "EUR"}})

    view = card_view(make_state(request=request))

    assert view.proposal_text is None
    assert view.payload_summary == 'amount: 40 · currency: "EUR"'


@pytest.mark.parametrize(
    ("confidence", "words"),
    [
        (0.92, "high (0.92)"),
        (0.85, "high (0.85)"),
        (0.82, "medium (0.82)"),
        (0.6, "medium (0.60)"),
        (0.45, "low (0.45)"),
        (0.1, "very low (0.10)"),
        (0.0, "very low (0.00)"),
        (1.0, "high (1.00)"),
    ],
)
def test_confidence_is_shown_in_words_and_numbers(confidence: float, words: str):
    assert confidence_words(confidence) == words
    view = card_view(make_state(request=make_request(confidence=confidence)))
    assert view.confidence_words == words


def test_an_asked_approver_sees_the_review_buttons_but_not_the_managers_override():
    assert actions_for(make_state(), "alice") == [
        kind for kind in PENDING_ACTIONS if kind is not ActionKind.OVERRIDE
    ]


def test_someone_not_asked_sees_no_buttons_while_the_decision_is_pending():
    assert actions_for(make_state(), "carol") == []


def test_a_manager_not_asked_may_still_escalate_and_override():
    assert actions_for(make_state(), "dave") == [ActionKind.ESCALATE, ActionKind.OVERRIDE]


def test_an_approver_who_voted_no_longer_sees_the_vote_buttons():
    stage = make_state().stage
    assert stage is not None
    voted = stage.model_copy(
        update={"votes": [Vote(actor="alice", verdict="approve", at=SUBMITTED_AT)]}
    )

    assert ActionKind.APPROVE not in actions_for(make_state(stage=voted), "alice")


def test_after_the_outcome_everyone_may_give_feedback_and_managers_may_override():
    state = make_state(
        status=Status.APPROVED,
        outcome=make_outcome(status=Status.APPROVED, decided_by=["bob"]),
    )

    assert actions_for(state, "carol") == [ActionKind.THUMB, ActionKind.CORRECTION]
    assert actions_for(state, "dave") == [
        ActionKind.THUMB,
        ActionKind.CORRECTION,
        ActionKind.OVERRIDE,
    ]
