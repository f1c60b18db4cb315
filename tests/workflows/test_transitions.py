"""The decision lifecycle as plain transitions, with explicit clocks and no Temporal server:
what the outcome, the audit trail and the people notified look like after each step."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from signoff.core.models import (
    AutonomyLevel,
    DecisionRequest,
    GroundTruthSettings,
    Quorum,
    ReviewPolicy,
    Stage,
    Status,
    TimeoutAction,
)
from signoff.core.policy import check, route
from signoff.workflows.human_actions import apply
from signoff.workflows.lifecycle import POLICY_ACTOR, TIMEOUT_ACTOR, Lifecycle
from signoff.workflows.timers import fire_due_timers, next_timer
from tests.helpers.builders import (
    SUBMITTED_AT,
    make_action,
    make_plan,
    make_policy,
    make_request,
)

T0 = SUBMITTED_AT

PROPOSAL = "Refund 40 EUR: the parcel arrived damaged (photo attached)."


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def begin(policy: ReviewPolicy | None = None, request: DecisionRequest | None = None) -> Lifecycle:
    policy = policy or make_policy()
    request = request or make_request()
    return Lifecycle.begin(request, make_plan(policy), route(request, policy), T0)


def act(life: Lifecycle, kind: str, actor: str, at: datetime, **fields: Any) -> str:
    """Apply an action the way the workflow does: only after the permission check passed."""
    action = make_action(kind, actor, **fields)
    refused = check(life.state, action)
    assert refused is None, refused
    return apply(life, action, at)


def kinds(life: Lifecycle) -> list[str]:
    return [e.kind.value for e in life.events_to_record]


def finalized(life: Lifecycle) -> Lifecycle:
    act(life, "approve", "alice", minutes(5))
    return life


def one_stage(**stage: Any) -> ReviewPolicy:
    fields: dict[str, Any] = {"name": "leads", "approvers": ["alice", "bob"]} | stage
    return make_policy(stages=[Stage(**fields)])


# -- start -------------------------------------------------------------------------------


def test_an_auto_approved_decision_is_final_at_once_and_its_outcome_is_queued() -> None:
    life = begin(make_policy(autonomy=AutonomyLevel.AUTONOMOUS))

    state, outcome = life.state, life.state.outcome
    assert state.status is Status.AUTO_APPROVED and state.stage is None
    assert outcome is not None and outcome.approved
    assert outcome.decided_by == [POLICY_ACTOR] and outcome.final_text == PROPOSAL
    assert [d.status for d in life.deliveries] == [Status.AUTO_APPROVED]
    assert kinds(life) == ["submitted", "routed", "finalized"]


def test_an_auto_approved_decision_sampled_for_qa_says_so_in_the_audit() -> None:
    life = begin(make_policy(autonomy=AutonomyLevel.AUTONOMOUS, qa_sample_rate=1.0))
    assert life.state.sampled_for_qa
    assert kinds(life) == ["submitted", "routed", "sampled_for_qa", "finalized"]


def test_a_decision_for_people_asks_the_first_stage_until_its_sla() -> None:
    life = begin()

    stage = life.state.stage
    assert life.state.status is Status.PENDING and life.state.route_reason.startswith("suggest")
    assert stage is not None and stage.name == "support leads"
    assert stage.asked == ["alice", "bob"] and stage.deadline == minutes(120)
    assert kinds(life) == ["submitted", "routed", "stage_started"]
    assert life.deliveries == []


# -- review ------------------------------------------------------------------------------


def test_an_approval_finalizes_with_the_proposal_as_the_output() -> None:
    life = begin()

    said = act(life, "approve", "alice", minutes(5))

    outcome = life.state.outcome
    assert said == "Decision approved."
    assert outcome is not None and outcome.status is Status.APPROVED and outcome.approved
    assert outcome.decided_by == ["alice"] and outcome.final_text == PROPOSAL
    assert outcome.original_text is None and outcome.seconds_to_decide == 300
    assert [d.status for d in life.deliveries] == [Status.APPROVED]


def test_an_edit_keeps_the_proposal_and_delivers_the_edited_text() -> None:
    life = begin()

    act(life, "edit", "alice", minutes(5), edited_text="Refund 30 EUR.", reason="shipping kept")

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.APPROVED_WITH_EDITS
    assert outcome.final_text == "Refund 30 EUR." and outcome.original_text == PROPOSAL
    assert life.state.request.proposal.text == PROPOSAL
    assert kinds(life)[-3:] == ["edited", "voted", "finalized"]


def test_an_edit_under_an_all_quorum_waits_for_the_others_then_delivers_the_edit() -> None:
    life = begin(one_stage(quorum=Quorum(kind="all")))

    said = act(life, "edit", "alice", minutes(5), edited_text="Refund 30 EUR.")
    assert said == "Your vote to approve is recorded; waiting on bob."
    assert life.state.status is Status.PENDING

    act(life, "approve", "bob", minutes(9))
    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.APPROVED_WITH_EDITS
    assert outcome.decided_by == ["alice", "bob"] and outcome.final_text == "Refund 30 EUR."


def test_requesting_changes_ends_the_round_with_the_reviewers_instructions() -> None:
    life = begin(one_stage(quorum=Quorum(kind="all")))
    act(life, "approve", "alice", minutes(3))

    act(life, "request_changes", "bob", minutes(5), reason="Offer store credit instead.")

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.CHANGES_REQUESTED
    assert not outcome.approved and outcome.decided_by == ["bob"]
    assert outcome.reason == "Offer store credit instead."


def test_a_rejection_finalizes_rejected_with_its_reason() -> None:
    life = begin()

    act(life, "reject", "bob", minutes(5), reason="Photo is from another order.")

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.REJECTED and not outcome.approved
    assert outcome.reason == "Photo is from another order." and outcome.decided_by == ["bob"]


def test_the_requester_cancelling_ends_the_decision_without_approval() -> None:
    life = begin()

    act(life, "cancel", "refund-bot", minutes(5), reason="customer withdrew")

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.CANCELLED and not outcome.approved
    assert outcome.decided_by == ["refund-bot"]
    assert len(life.deliveries) == 1


def test_a_comment_is_recorded_and_changes_nothing_else() -> None:
    life = begin()

    act(life, "comment", "carol", minutes(5), reason="Customer called twice.")

    assert life.state.status is Status.PENDING
    assert life.state.history[-1].detail == "Customer called twice."
    assert kinds(life)[-1] == "commented"


# -- override ----------------------------------------------------------------------------


def test_an_override_before_the_outcome_decides_it_and_delivers_once() -> None:
    life = begin()

    act(life, "override", "dave", minutes(5), verdict="approve", reason="Loyal customer.")

    outcome = life.state.outcome
    assert life.state.status is Status.OVERRIDDEN
    assert outcome is not None and outcome.approved and outcome.decided_by == ["dave"]
    assert [(o.actor, o.previous_status) for o in outcome.overrides] == [("dave", Status.PENDING)]
    assert len(life.deliveries) == 1 and life.deliveries[0].approved
    assert life.notices[-1].kind == "outcome" and life.notices[-1].recipients == ["refund-bot"]


def test_the_audited_outcome_of_an_override_is_the_one_delivered() -> None:
    life = begin()

    act(life, "override", "dave", minutes(5), verdict="approve", reason="Loyal customer.")

    audited = next(e for e in life.events_to_record if e.kind.value == "finalized").data["outcome"]
    assert audited["approved"] is True and len(audited["overrides"]) == 1


def test_an_override_after_the_outcome_replaces_it_and_is_delivered_again() -> None:
    life = finalized(begin())

    act(life, "override", "dave", minutes(60), verdict="reject", reason="Fraud ring.")

    outcome = life.state.outcome
    assert life.state.status is Status.OVERRIDDEN
    assert outcome is not None and not outcome.approved and outcome.reason == "Fraud ring."
    assert [o.previous_status for o in outcome.overrides] == [Status.APPROVED]
    assert [d.approved for d in life.deliveries] == [True, False]
    assert outcome.decided_by == ["alice"] and outcome.final_text == PROPOSAL


def test_each_later_override_is_added_to_the_outcome_and_delivered() -> None:
    life = finalized(begin())
    act(life, "override", "dave", minutes(60), verdict="reject", reason="Fraud ring.")

    act(life, "override", "erin", minutes(90), verdict="approve", reason="Not the same ring.")

    outcome = life.state.outcome
    assert outcome is not None and outcome.approved
    assert [o.actor for o in outcome.overrides] == ["dave", "erin"]
    assert [len(d.overrides) for d in life.deliveries] == [0, 1, 2]


# -- delegate and escalate ---------------------------------------------------------------


def test_a_delegation_hands_the_seat_over_and_tells_the_delegate() -> None:
    life = begin()

    said = act(life, "delegate", "alice", minutes(5), delegate_to="carol", reason="on leave")

    assert said == "Delegated to carol."
    assert life.state.stage is not None and life.state.stage.asked == ["carol", "bob"]
    notice = life.notices[-1]
    assert notice.kind == "assignment" and notice.recipients == ["carol"]
    assert notice.text == "alice asked you to sign off 'Refund 40 EUR for order 1042'."
    act(life, "approve", "carol", minutes(9))
    assert life.state.outcome is not None and life.state.outcome.decided_by == ["carol"]


def test_an_escalation_moves_to_the_next_stage_and_tells_its_people() -> None:
    life = begin()

    said = act(life, "escalate", "alice", minutes(5), reason="Above my limit.")

    stage = life.state.stage
    assert said == "Escalated to 'managers'."
    assert stage is not None and stage.index == 1 and stage.asked == ["dave", "erin"]
    assert stage.deadline == minutes(5) + timedelta(days=1)
    assert [s.name for s in life.state.past_stages] == ["support leads"]
    notice = life.notices[-1]
    assert notice.kind == "escalation" and notice.recipients == ["dave", "erin"]
    assert notice.text == (
        "Escalated to you (managers): 'Refund 40 EUR for order 1042' — Above my limit."
    )


# -- timers ------------------------------------------------------------------------------


def test_reminders_fire_in_order_at_their_offsets_and_name_only_who_is_still_waiting() -> None:
    life = begin(one_stage(quorum=Quorum(kind="all"), reminders=["30m", "1h"], sla="2h"))
    assert next_timer(life) == minutes(30)
    act(life, "approve", "alice", minutes(10))

    fire_due_timers(life, minutes(29))
    assert life.notices == []

    fire_due_timers(life, minutes(30))
    assert [(n.kind, n.recipients) for n in life.notices] == [("reminder", ["bob"])]
    assert next_timer(life) == minutes(60)

    fire_due_timers(life, minutes(60))
    assert [n.recipients for n in life.notices] == [["bob"], ["bob"]]
    assert life.events_to_record[-1].data == {"to": ["bob"]}
    assert next_timer(life) == minutes(120)


def test_a_missed_sla_escalates_to_the_next_stage_and_tells_its_people() -> None:
    life = begin()
    assert next_timer(life) == minutes(120)

    fire_due_timers(life, minutes(120))

    stage = life.state.stage
    assert stage is not None and stage.name == "managers"
    assert stage.deadline == minutes(120) + timedelta(days=1)
    assert [(n.kind, n.recipients) for n in life.notices] == [("escalation", ["dave", "erin"])]
    assert kinds(life)[-3:] == ["timed_out", "escalated", "stage_started"]
    assert life.events_to_record[-2].actor == TIMEOUT_ACTOR


def test_a_missed_sla_at_the_last_stage_expires_the_decision() -> None:
    life = begin()
    fire_due_timers(life, minutes(120))

    fire_due_timers(life, minutes(120) + timedelta(days=1))

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.EXPIRED and not outcome.approved
    assert outcome.decided_by == [TIMEOUT_ACTOR] and outcome.reason == "SLA passed"
    assert next_timer(life) is None


@pytest.mark.parametrize(
    ("on_timeout", "status"),
    [
        (TimeoutAction.APPROVE, Status.APPROVED),
        (TimeoutAction.REJECT, Status.REJECTED),
        (TimeoutAction.EXPIRE, Status.EXPIRED),
    ],
)
def test_a_missed_sla_does_what_the_stage_says(on_timeout: TimeoutAction, status: Status) -> None:
    life = begin(
        make_policy(
            stages=[Stage(name="leads", approvers=["alice"], sla="4h", on_timeout=on_timeout)]
        )
    )

    fire_due_timers(life, minutes(240))

    assert life.state.status is status
    assert life.state.outcome is not None and life.state.outcome.decided_by == [TIMEOUT_ACTOR]


def _edited_then_timed_out(*, keeps_edit: bool) -> Lifecycle:
    life = begin(one_stage(quorum=Quorum(kind="all"), sla="4h", on_timeout=TimeoutAction.APPROVE))
    life.timeout_keeps_edit = keeps_edit
    act(life, "edit", "alice", minutes(5), edited_text="Refund $80.")
    fire_due_timers(life, minutes(240))
    return life


def test_a_stage_approved_by_timeout_approves_the_reviewers_edit_and_keeps_the_original() -> None:
    life = _edited_then_timed_out(keeps_edit=True)

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.APPROVED_WITH_EDITS
    assert outcome.approved and outcome.decided_by == [TIMEOUT_ACTOR]
    assert outcome.final_text == "Refund $80."
    assert outcome.original_text == life.state.request.proposal.text


def test_decisions_begun_before_the_fix_still_approve_the_original_at_timeout() -> None:
    life = _edited_then_timed_out(keeps_edit=False)

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.APPROVED
    assert outcome.final_text == life.state.request.proposal.text


def test_the_absolute_expiry_wins_over_a_stage_sla_due_at_the_same_time() -> None:
    life = begin(make_policy(expires_after="2h"))
    assert life.state.expires_at == minutes(120)

    fire_due_timers(life, minutes(120))

    outcome = life.state.outcome
    assert outcome is not None and outcome.status is Status.EXPIRED and outcome.reason == "expired"
    assert "escalated" not in kinds(life)


def test_the_absolute_expiry_is_the_next_timer_when_it_comes_first() -> None:
    assert next_timer(begin(make_policy(expires_after="1h"))) == minutes(60)


def test_a_final_decision_has_no_timer_and_ignores_late_wake_ups() -> None:
    life = finalized(begin())
    events = len(life.events_to_record)

    fire_due_timers(life, minutes(10_000))

    assert next_timer(life) is None and len(life.events_to_record) == events


# -- audit and versions ------------------------------------------------------------------


def test_audit_events_get_consecutive_ids_under_the_decision() -> None:
    life = finalized(begin())
    assert [e.event_id for e in life.events_to_record] == [f"refund-1042/{n:06d}" for n in range(5)]


def test_a_resumed_decision_continues_its_audit_numbering() -> None:
    life = finalized(begin())
    resumed = Lifecycle(life.state, life.next_seq)

    act(resumed, "thumb", "bob", minutes(30), thumb="up")

    assert [e.event_id for e in resumed.events_to_record] == ["refund-1042/000005"]


def test_every_transition_bumps_the_state_version() -> None:
    life = begin(make_policy(expires_after="3d"))
    steps = [
        lambda: act(life, "comment", "carol", minutes(1), reason="Looking."),
        lambda: act(life, "delegate", "alice", minutes(2), delegate_to="carol"),
        lambda: act(life, "escalate", "bob", minutes(3)),
        lambda: fire_due_timers(life, minutes(3) + timedelta(days=1)),
        lambda: act(life, "thumb", "alice", minutes(5_000), thumb="down"),
        lambda: act(life, "override", "dave", minutes(5_001), verdict="approve", reason="Fine."),
    ]
    for step in steps:
        before = life.state.version
        step()
        assert life.state.version > before


def test_a_refusal_is_audited_without_changing_the_decision() -> None:
    life = begin()
    action = make_action("approve", "carol")
    refused = check(life.state, action)
    assert refused is not None

    life.refused(action, refused, minutes(5))

    event = life.events_to_record[-1]
    assert event.kind.value == "refused" and event.actor == "carol"
    assert event.data == {
        "action": "approve",
        "action_id": action.action_id,
        "code": "not_asked",
        "via": "api",
    }
    assert life.state.status is Status.PENDING and life.state.stage is not None
    assert life.state.stage.votes == []


# -- learning ----------------------------------------------------------------------------


def test_thumbs_are_one_per_person_and_changeable() -> None:
    life = finalized(begin())

    act(life, "thumb", "alice", minutes(30), thumb="up")
    act(life, "thumb", "bob", minutes(31), thumb="down")
    act(life, "thumb", "alice", minutes(32), thumb="down")

    feedback = life.state.feedback
    assert feedback.thumbs == {"alice": "down", "bob": "down"}
    assert (feedback.thumbs_up, feedback.thumbs_down) == (0, 2)
    assert kinds(life).count("feedback") == 3


def test_a_correction_is_kept_with_who_gave_it() -> None:
    life = finalized(begin())

    act(life, "correction", "bob", minutes(30), reason="It was 35 EUR, not 40.")

    [correction] = life.state.feedback.corrections
    assert correction.actor == "bob" and correction.detail == "It was 35 EUR, not 40."


def test_one_experts_label_is_ground_truth_by_default() -> None:
    life = finalized(begin())

    said = act(life, "ground_truth", "carol", minutes(30), label="damaged")

    truth = life.state.feedback.ground_truth
    assert said == "Ground truth settled: 'damaged' (consensus)."
    assert truth is not None and truth.method == "consensus" and truth.experts == ["carol"]


def two_experts() -> Lifecycle:
    return finalized(begin(make_policy(ground_truth=GroundTruthSettings(agreeing_experts=2))))


def test_ground_truth_waits_for_k_agreeing_experts() -> None:
    life = two_experts()

    assert act(life, "ground_truth", "carol", minutes(30), label="damaged") == (
        "Your label is recorded."
    )
    assert life.state.feedback.ground_truth is None

    act(life, "ground_truth", "dave", minutes(40), label="damaged")
    truth = life.state.feedback.ground_truth
    assert truth is not None and truth.label == "damaged" and truth.experts == ["carol", "dave"]


def test_disagreeing_experts_ask_the_adjudicators() -> None:
    life = two_experts()
    act(life, "ground_truth", "carol", minutes(30), label="damaged")

    said = act(life, "ground_truth", "dave", minutes(40), label="not damaged")

    assert said == "Your label is recorded; experts disagree, so an adjudicator will decide."
    assert life.state.feedback.disputed and life.state.feedback.ground_truth is None
    notice = life.notices[-1]
    assert notice.kind == "adjudication" and notice.recipients == ["erin"]
    assert kinds(life)[-1] == "adjudication_needed"


def test_an_adjudicator_settles_a_disagreement() -> None:
    life = two_experts()
    act(life, "ground_truth", "carol", minutes(30), label="damaged")
    act(life, "ground_truth", "dave", minutes(40), label="not damaged")

    act(life, "ground_truth", "erin", minutes(50), label="not damaged")

    truth = life.state.feedback.ground_truth
    assert truth is not None and truth.label == "not damaged"
    assert truth.method == "adjudicated" and truth.experts == ["erin"]
    assert kinds(life)[-1] == "ground_truth"
