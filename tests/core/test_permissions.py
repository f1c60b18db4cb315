"""Who may do what, when: what a person clicking a card is told when they may not."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.core.models import (
    DecisionState,
    Edit,
    FeedbackState,
    GroundTruth,
    HistoryEntry,
    Quorum,
    StageState,
    Status,
    Vote,
)
from signoff.core.policy import Refusal, check, check_arrival, is_repeat_vote
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_action,
    make_outcome,
    make_plan,
    make_policy,
    make_request,
    make_state,
)


def refusal(state: DecisionState, kind: str, actor: str, **fields: Any) -> Refusal:
    refused = check(state, make_action(kind, actor, **fields))
    assert refused is not None, f"{actor}'s {kind} was allowed"
    return refused


def allowed(state: DecisionState, kind: str, actor: str, **fields: Any) -> bool:
    return check(state, make_action(kind, actor, **fields)) is None


def final_state(**overrides: Any) -> DecisionState:
    return make_state(status=Status.APPROVED, outcome=make_outcome(), **overrides)


def at_last_stage() -> DecisionState:
    return make_state(
        stage=StageState(
            index=1,
            name="managers",
            asked=["dave", "erin"],
            quorum=Quorum(),
            started_at=SUBMITTED_AT,
        )
    )


def with_votes(*votes: tuple[str, str]) -> DecisionState:
    state = make_state()
    assert state.stage is not None
    state.stage.votes = [Vote(actor=a, verdict=v, at=SUBMITTED_AT) for a, v in votes]  # type: ignore[arg-type]
    return state


# -- separation of duties ----------------------------------------------------------------

SIGN_OFFS = [
    ("approve", {}),
    ("reject", {"reason": "looks wrong"}),
    ("edit", {"edited_text": "Refund 30 EUR."}),
    ("override", {"verdict": "approve", "reason": "my call"}),
]


@pytest.mark.parametrize(("kind", "fields"), SIGN_OFFS)
def test_a_requester_cannot_sign_off_their_own_decision(kind: str, fields: dict) -> None:
    # alice is both asked at this stage and an overrider, so only the requester rule refuses.
    state = make_state(
        request=make_request(requester="alice"),
        plan=make_plan(overriders=["alice", "dave"]),
    )
    refused = refusal(state, kind, "alice", **fields)
    assert refused.code == "separation_of_duties"
    assert refused.message == "You requested this decision, so you cannot sign it off yourself."


def test_without_separation_of_duties_a_requester_may_approve() -> None:
    policy = make_policy(separation_of_duties=False)
    state = make_state(request=make_request(requester="alice"), plan=make_plan(policy))
    assert allowed(state, "approve", "alice")


# -- who is asked, and when --------------------------------------------------------------


def test_someone_not_asked_at_this_stage_is_told_who_is() -> None:
    refused = refusal(make_state(), "approve", "carol")
    assert refused.code == "not_asked"
    assert refused.message == (
        "You are not an approver at stage 'support leads'; asked: alice, bob."
    )


def test_an_approver_asked_at_this_stage_may_approve() -> None:
    assert allowed(make_state(), "approve", "bob", seen_stage=0)


def test_a_click_on_a_stale_card_is_refused() -> None:
    refused = refusal(at_last_stage(), "approve", "dave", seen_stage=0)
    assert refused.code == "stale_card"
    assert refused.message == "Your card is out of date: the decision is now at stage 'managers'."


def test_a_vote_on_a_final_decision_is_refused() -> None:
    refused = refusal(final_state(), "approve", "alice")
    assert refused.code == "already_final"
    assert refused.message == "This decision is already final: approved."


def test_changing_a_vote_is_refused() -> None:
    refused = refusal(with_votes(("alice", "approve")), "reject", "alice", reason="on reflection")
    assert refused.code == "already_voted"
    assert refused.message == "You already voted to approve at stage 'support leads'."


def test_a_repeated_identical_vote_is_not_refused() -> None:
    state = with_votes(("alice", "approve"))
    again = make_action("approve", "alice")
    assert check(state, again) is None
    assert is_repeat_vote(state, again)


def test_a_first_vote_is_not_a_repeat() -> None:
    assert not is_repeat_vote(with_votes(("bob", "approve")), make_action("approve", "alice"))


def test_a_second_edit_with_different_text_is_not_taken_for_a_repeated_click() -> None:
    state = with_votes(("alice", "approve"))
    state.edit = Edit(actor="alice", text="Refund 30 EUR.", at=SUBMITTED_AT)
    second = make_action("edit", "alice", edited_text="Refund 20 EUR.")
    assert not is_repeat_vote(state, second)
    assert check(state, second) is not None


def test_an_edit_is_refused_when_the_policy_forbids_edits() -> None:
    state = make_state(plan=make_plan(make_policy(allow_edits=False)))
    refused = refusal(state, "edit", "alice", edited_text="Refund 30 EUR.")
    assert refused.code == "edits_not_allowed"
    assert refused.message == "This policy does not allow edits."


# -- reasons -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields", "said"),
    [
        ("reject", {}, "A reason is required to reject."),
        ("reject", {"reason": "   "}, "A reason is required to reject."),
        ("request_changes", {}, "A reason is required to request changes."),
        ("override", {"verdict": "reject"}, "A reason is required to override."),
    ],
)
def test_a_reason_is_required_to_reject_request_changes_or_override(
    kind: str, fields: dict, said: str
) -> None:
    refused = refusal(make_state(), kind, "dave" if kind == "override" else "alice", **fields)
    assert refused.code == "reason_required"
    assert refused.message == said


def test_a_reject_without_reason_is_allowed_when_the_policy_asks_for_none() -> None:
    state = make_state(plan=make_plan(make_policy(reason_required=[])))
    assert allowed(state, "reject", "alice")


@pytest.mark.parametrize(
    ("kind", "actor", "fields", "said"),
    [
        ("approve", "alice", {}, "A reason is required to approve."),
        ("escalate", "alice", {}, "A reason is required to escalate."),
        ("delegate", "alice", {"delegate_to": "carol"}, "A reason is required to delegate."),
    ],
)
def test_a_policy_may_require_a_reason_to_approve_escalate_or_delegate(
    kind: str, actor: str, fields: dict, said: str
) -> None:
    policy = make_policy(reason_required=["approve", "escalate", "delegate"])
    state = make_state(plan=make_plan(policy))

    refused = refusal(state, kind, actor, **fields)

    assert (refused.code, refused.message) == ("reason_required", said)
    assert allowed(state, kind, actor, reason="checked the photo", **fields)


def test_an_override_always_needs_a_reason() -> None:
    state = make_state(plan=make_plan(make_policy(reason_required=[])))
    assert refusal(state, "override", "dave", verdict="approve").code == "reason_required"


# -- escalation --------------------------------------------------------------------------


def test_escalating_from_the_last_stage_is_refused() -> None:
    refused = refusal(at_last_stage(), "escalate", "dave")
    assert refused.code == "no_next_stage"
    assert refused.message == "Stage 'managers' is the last one; there is nobody to escalate to."


def test_an_approver_may_escalate_to_the_next_stage() -> None:
    assert allowed(make_state(), "escalate", "alice")


def test_a_manager_not_asked_at_this_stage_may_escalate() -> None:
    assert allowed(make_state(), "escalate", "dave")


def test_someone_neither_asked_nor_a_manager_cannot_escalate() -> None:
    assert refusal(make_state(), "escalate", "carol").code == "not_asked"


# -- overrides ---------------------------------------------------------------------------


def test_only_overriders_may_override_and_are_named() -> None:
    refused = refusal(make_state(), "override", "alice", verdict="reject", reason="too generous")
    assert refused.code == "not_overrider"
    assert refused.message == "Only managers can override; they are: dave, erin."


def test_a_manager_may_override_a_pending_decision() -> None:
    assert allowed(make_state(), "override", "dave", verdict="reject", reason="fraud pattern")


def test_a_manager_may_override_after_the_outcome() -> None:
    assert allowed(final_state(), "override", "erin", verdict="reject", reason="fraud pattern")


def test_a_cancelled_decision_cannot_be_overridden() -> None:
    state = make_state(status=Status.CANCELLED, outcome=make_outcome(status=Status.CANCELLED))
    refused = refusal(state, "override", "dave", verdict="approve", reason="go ahead")
    assert refused.code == "already_final"
    assert refused.message == "A cancelled decision cannot be overridden."


# -- cancel and delegate -----------------------------------------------------------------


@pytest.mark.parametrize("actor", ["refund-bot", "dave"])
def test_the_requester_or_a_manager_may_cancel(actor: str) -> None:
    assert allowed(make_state(), "cancel", actor)


def test_an_approver_cannot_cancel() -> None:
    refused = refusal(make_state(), "cancel", "alice")
    assert refused.code == "not_allowed"
    assert refused.message == "Only the requester or a manager can cancel this decision."


def test_a_final_decision_cannot_be_cancelled() -> None:
    assert refusal(final_state(), "cancel", "refund-bot").code == "already_final"


def test_an_approver_may_delegate_to_someone_not_yet_asked() -> None:
    assert allowed(make_state(), "delegate", "alice", delegate_to="carol")


@pytest.mark.parametrize("target", ["bob", "alice"])
def test_delegating_to_someone_already_asked_is_refused(target: str) -> None:
    refused = refusal(make_state(), "delegate", "alice", delegate_to=target)
    assert refused.code == "invalid_delegate"
    assert refused.message == f"{target} is already asked at this stage."


def test_delegating_to_the_requester_is_refused() -> None:
    refused = refusal(make_state(), "delegate", "alice", delegate_to="refund-bot")
    assert refused.code == "separation_of_duties"
    assert refused.message == "You cannot delegate to the person who requested this decision."


def test_delegating_after_voting_is_refused() -> None:
    refused = refusal(with_votes(("alice", "reject")), "delegate", "alice", delegate_to="carol")
    assert refused.code == "already_voted"


# -- comments and feedback ---------------------------------------------------------------


def test_a_comment_is_not_checked_again_when_applied_only_when_it_arrives() -> None:
    """``check`` runs in the handler, on replay too: comments that histories hold from
    anyone must apply there as they did. Who may comment is :func:`check_arrival`'s."""
    assert allowed(make_state(), "comment", "carol", reason="Customer called twice.")
    assert allowed(final_state(), "comment", "carol", reason="Parcel came back.")


def arrival(state: DecisionState, actor: str) -> Refusal | None:
    return check_arrival(state, make_action("comment", actor, reason="Hm."))


@pytest.mark.parametrize("actor", ["alice", "bob", "refund-bot", "dave", "carol"])
def test_the_people_a_decision_involves_may_comment_before_and_after_the_outcome(
    actor: str,
) -> None:
    assert arrival(make_state(), actor) is None
    assert arrival(final_state(), actor) is None


def test_a_comment_from_someone_the_decision_does_not_involve_is_refused_on_arrival() -> None:
    refused = arrival(final_state(), "mallory")
    assert refused is not None and refused.code == "not_involved"
    assert refused.message == "Only the people a decision involves may comment on it."


@pytest.mark.parametrize("kind", ["feedback", "correction"])
def test_a_thumb_or_correction_anyone_may_give_does_not_open_comments(kind: str) -> None:
    given = HistoryEntry(at=SUBMITTED_AT, kind=kind, actor="mallory")
    assert arrival(final_state(history=[given]), "mallory") is not None
    commented = HistoryEntry(at=SUBMITTED_AT, kind="commented", actor="mallory")
    assert arrival(final_state(history=[given, commented]), "mallory") is None


@pytest.mark.parametrize(
    ("kind", "fields"),
    [("thumb", {"thumb": "up"}), ("correction", {"reason": "It was 30 EUR."})],
)
def test_feedback_waits_for_the_outcome(kind: str, fields: dict) -> None:
    refused = refusal(make_state(), kind, "alice", **fields)
    assert refused.code == "not_final"
    assert refused.message == "Feedback opens once the decision is final."


def test_anyone_may_give_a_thumb_after_the_outcome() -> None:
    assert allowed(final_state(), "thumb", "refund-bot", thumb="down")


def test_only_experts_label_ground_truth() -> None:
    refused = refusal(final_state(), "ground_truth", "alice", label="damaged")
    assert refused.code == "not_expert"
    assert refused.message == "Only experts can label ground truth; they are: carol, dave."
    assert allowed(final_state(), "ground_truth", "carol", label="damaged")


def test_an_adjudicator_may_label_only_once_experts_disagree() -> None:
    assert refusal(final_state(), "ground_truth", "erin", label="damaged").code == "not_expert"
    disputed = final_state(feedback=FeedbackState(expert_labels={"carol": "a", "dave": "b"}))
    disputed.feedback.disputed = True
    assert allowed(disputed, "ground_truth", "erin", label="damaged")


def test_settled_ground_truth_is_not_relabelled() -> None:
    truth = GroundTruth(label="damaged", method="consensus", experts=["carol"], at=SUBMITTED_AT)
    state = final_state(feedback=FeedbackState(ground_truth=truth))
    refused = refusal(state, "ground_truth", "dave", label="not damaged")
    assert refused.code == "ground_truth_settled"
    assert refused.message == "Ground truth is already settled as 'damaged'."
